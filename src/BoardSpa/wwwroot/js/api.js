// BoardApi and the IdentityServer's account API, with RFC 9457 problem details turned into readable messages.
import { authorizedFetch, stepUp, stepUpChallenge, SteppingUp } from './auth.js';

let config;

export function init(appConfig) {
  config = appConfig;
}

export class ApiError extends Error {
  constructor(message, status, fields) {
    super(message);
    this.status = status;
    this.fields = fields || {};
  }
}

// Which API a call goes to picks its token (one per API, RFC 8707): 'boardApi' or 'account'.
async function send(api, path, method = 'GET', body, { mayStepUp = true } = {}) {
  const base = api === 'account' ? config.authority : config.boardApi;
  const options = { method, headers: { Accept: 'application/json', traceparent: traceparent() } };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await authorizedFetch(api, `${base}${path}`, options);
  if (response.status === 204) return null;
  // BoardApi asks for a stronger or more recent sign-in (RFC 9470): sign in so, then retry once (posts.retry).
  const challenge = stepUpChallenge(response);
  if (challenge && mayStepUp && api === 'boardApi') {
    await stepUp(challenge, { method, path, body });
    throw new SteppingUp();
  }
  const payload = response.headers.get('Content-Type')?.includes('json') ? await response.json() : null;
  if (response.ok) return payload;
  throw new ApiError(messageFor(response, payload), response.status, payload?.errors);
}

// W3C Trace Context (version 00, sampled): each call starts a trace that the API's spans and logs continue, so an
// operator can follow one click from the browser through BoardApi to its database.
export function traceparent() {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

function randomHex(bytes) {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  // All zeros is the one invalid id; a fresh draw is never it in practice, but then draw again.
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

function messageFor(response, problem) {
  if (response.status === 429) {
    const wait = response.headers.get('Retry-After');
    return `You're going a bit fast. Try again${wait ? ` in ${wait} s` : ' shortly'}.`;
  }
  if (problem?.errors) return Object.values(problem.errors).flat().join(' ');
  return problem?.detail || problem?.title || `The request failed (${response.status}).`;
}

export const posts = {
  list: (cursor) => send('boardApi', `/posts${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`),
  create: (post) => send('boardApi', '/posts', 'POST', post),
  update: (id, post) => send('boardApi', `/posts/${id}`, 'PUT', post),
  remove: (id) => send('boardApi', `/posts/${id}`, 'DELETE'),
  // The action a step-up sign-in was for, once more; a second challenge is an error to show, not another sign-in.
  retry: (action) => send('boardApi', action.path, action.method, action.body, { mayStepUp: false }),
};

export const sessions = {
  list: () => send('account', '/auth/sessions'),
  endAll: () => send('account', '/auth/sessions', 'DELETE'),
};
