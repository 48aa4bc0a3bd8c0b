// Sign-in with authorization code + PKCE through oidc-client-ts (loaded as the global `oidc`).
// Tokens are held in memory only (InMemoryWebStorage): a script injected into the page could still use them
// while it runs, but nothing outlives the tab or can be read back from storage later. The price: a reload
// loses them, so the app quietly redirects once to the IdentityServer (prompt=none), whose session cookie
// signs the user straight back in. Every authorization request is pushed (RFC 9126, par.js): the address bar carries
// only a request_uri.
// Tokens are DPoP-bound (RFC 9449): each works only beside a proof signed by this browser's key, a non-extractable
// ECDSA P-256 key that oidc-client-ts keeps in IndexedDB (a reload keeps it; no script can read it out). One sign-in,
// one token per API (RFC 8707): BoardApi's is oidc-client-ts's User's access token (the code redeemed with
// resource=BoardApi, renewed the same way); the account API's is fetched from the refresh token when first needed
// and held here, in memory.
import { PushingRedirectNavigator } from './par.js';

const RESUME_KEY = 'board.resume';
const SESSION_ENDED = 'Your session has ended. Please sign in again.';

let manager;
let clientId;
/** RFC 8707 resource identifiers by API name ('boardApi', 'account'), from /config.json. */
let resources;
let renewals = 0;
/** The account API's access token, { token, expiresAt } (seconds), or null: memory only. */
let accountToken = null;
/** Every refresh runs after the previous one (the refresh token rotates); one per API in flight, shared. */
let refreshQueue = Promise.resolve();
const refreshing = new Map();
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
}

function notify(user, message) {
  for (const listener of listeners) listener(user, message);
}

export function init(config) {
  const origin = window.location.origin;
  clientId = config.clientId;
  resources = config.resources;
  const settings = {
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: config.scope,
    userStore: new oidc.WebStorageStateStore({ store: new oidc.InMemoryWebStorage() }),
    // The PKCE verifier and state must survive the redirect: this tab's sessionStorage, never localStorage.
    stateStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    // Renewal is driven below, so that it and a 401 retry share one refresh (see refresh()).
    automaticSilentRenew: false,
    accessTokenExpiringNotificationTimeInSeconds: config.renewSecondsBeforeExpiry,
    // The access token is BoardApi's alone (aud, posts.* scopes): userinfo would answer only sub, and oidc-client-ts
    // would send it as a bearer token. The ID token carries name, email and role.
    loadUserInfo: false,
    monitorSession: false,
    // The key stays in IndexedDB, generated non-extractable; the code is bound to it too (dpop_jkt, RFC 9449 10,
    // pushed with the rest of the request by par.js), so a code lifted from the redirect is useless elsewhere.
    dpop: { store: new oidc.IndexedDbDPoPStore(), bind_authorization_code: true },
    // Every code, the first sign-in's, a resume's or a step-up's, is redeemed for BoardApi's token.
    extraTokenParams: { resource: config.resources.boardApi },
  };
  manager = new oidc.UserManager(settings, new PushingRedirectNavigator(settings));
  manager.events.addUserLoaded((user) => {
    renewals += 1;
    notify(user);
  });
  manager.events.addAccessTokenExpiring(() => refresh('boardApi').catch(() => {}));
  return manager;
}

export const renewalCount = () => Math.max(0, renewals - 1);

export async function currentUser() {
  const user = await manager.getUser();
  return user && !user.expired ? user : null;
}

export async function signIn() {
  sessionStorage.setItem(RESUME_KEY, '1');
  await redirectToSignIn();
}

/** A sign-in that could not start (its pushed request refused, the IdentityServer unreachable): shown, not dropped. */
export class SignInFailed extends Error {}

async function redirectToSignIn(args) {
  try {
    await manager.signinRedirect(args);
  } catch (error) {
    throw new SignInFailed(`Sign-in could not start: ${describe(error)}`);
  }
}

/** After a reload: try once to get back in without a prompt; false if this tab never signed in. */
export async function resume() {
  if (sessionStorage.getItem(RESUME_KEY) !== '1') return false;
  sessionStorage.removeItem(RESUME_KEY);
  await redirectToSignIn({ prompt: 'none', state: { resumed: true } });
  return true;
}

/**
 * Step-up (RFC 9470): signs in again as a challenge asks (stepUpChallenge), the action to retry riding in this
 * sign-in's state, which oidc-client-ts keeps in this tab's sessionStorage and hands back once, on the callback
 * (user.state.stepUp). A sign-in that fails or is abandoned takes the action with it: nothing retries it later.
 */
export async function stepUp(challenge, action) {
  // Whose action it was: if someone else signs in at the prompt (a shared computer), it is not theirs to run.
  const sub = (await manager.getUser())?.profile.sub;
  await redirectToSignIn({ acr_values: challenge.acrValues, max_age: challenge.maxAge, state: { stepUp: { ...action, sub } } });
}

/** A 401 asking for a different or more recent sign-in (RFC 9470 3): what to sign in with, or null. */
export function stepUpChallenge(response) {
  if (response.status !== 401) return null;
  const params = challengeParams(response.headers.get('WWW-Authenticate'));
  if (params.error !== 'insufficient_user_authentication') return null;
  const maxAge = Number.parseInt(params.max_age, 10);
  return { acrValues: params.acr_values, maxAge: Number.isInteger(maxAge) ? maxAge : undefined };
}

// auth-param = token "=" ( token / quoted-string ) (RFC 9110 11.2); names are case-insensitive.
function challengeParams(header) {
  const params = {};
  for (const [, name, quoted, token] of (header || '').matchAll(/([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[name.toLowerCase()] = quoted === undefined ? token : quoted.replace(/\\(.)/g, '$1');
  }
  return params;
}

export async function completeSignIn() {
  try {
    const user = await manager.signinRedirectCallback();
    sessionStorage.setItem(RESUME_KEY, '1');
    return { user };
  } catch (error) {
    // login_required after a resume attempt just means: show the sign-in page.
    return { error: error.error === 'login_required' ? null : describe(error) };
  }
}

/**
 * One refresh at a time, for either API. Every refresh rotates the refresh token, and the IdentityServer takes a
 * refresh token presented twice for a stolen one and ends the session: the renewal timer, any number of 401 retries
 * and the account API's token must never spend the same one. So refreshes run one after another, each with the newest
 * refresh token, and callers asking for the same API's while one is under way share it.
 * A refused refresh (revoked, "log out everywhere" elsewhere) means the session is over; invalid_target means this
 * app's configuration does not match the server's resources, and is shown as such.
 */
function refresh(api) {
  let pending = refreshing.get(api);
  if (pending) return pending;
  pending = refreshQueue
    .then(() => (api === 'account' ? refreshAccount() : manager.signinSilent({ resource: resources.boardApi })))
    .catch(async (error) => {
      if (oauthError(error) === 'invalid_target') {
        throw new ResourceMismatch(`The app asked for an API the sign-in server does not know (${resources[api]}).`);
      }
      await endLocally(SESSION_ENDED);
      throw error;
    })
    .finally(() => refreshing.delete(api));
  refreshing.set(api, pending);
  refreshQueue = pending.catch(() => {});
  return pending;
}

/** The account API's token: grant_type=refresh_token with its resource; the rotated refresh token goes back into the User. */
async function refreshAccount() {
  const user = await manager.getUser();
  if (!user?.refresh_token) throw new SignedOut();
  const answer = await tokenRequest({
    grant_type: 'refresh_token', client_id: clientId, refresh_token: user.refresh_token, resource: resources.account,
  });
  user.refresh_token = answer.refresh_token ?? user.refresh_token;
  await manager.storeUser(user);
  accountToken = { token: answer.access_token, expiresAt: Date.now() / 1000 + Number(answer.expires_in ?? 0) };
  return accountToken;
}

/**
 * A token request with a DPoP proof of this browser's key and the server's nonce (RFC 9449 8): kept with the key,
 * where oidc-client-ts keeps it for its own token requests; a use_dpop_nonce answer is retried once with the new one.
 */
async function tokenRequest(params) {
  const endpoint = await manager.metadataService.getTokenEndpoint(false);
  const store = manager.settings.dpop.store;
  for (let attempt = 1; ; attempt += 1) {
    const state = await store.get(clientId);
    if (!state) throw new SignedOut();
    const proof = await manager.dpopProof(endpoint, undefined, 'POST', state.nonce);
    const response = await fetch(endpoint, { method: 'POST', headers: { DPoP: proof }, body: new URLSearchParams(params) });
    const nonce = response.headers.get('DPoP-Nonce');
    if (nonce && nonce !== state.nonce) await store.set(clientId, { ...state, nonce });
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.access_token) return answer;
    if (answer.error === 'use_dpop_nonce' && nonce && attempt === 1) continue;
    throw new TokenRefused(answer.error || 'server_error', answer.error_description);
  }
}

class TokenRefused extends Error {
  constructor(error, description) {
    super(description || error);
    this.error = error;
    this.error_description = description;
  }
}

/** The refresh was refused with invalid_target: a configuration mismatch, not the end of the session. */
export class ResourceMismatch extends Error {}

// oidc-client-ts's ErrorResponse has .error; its ErrorDPoPNonce (an error answer that carried a nonce) has the JSON body as message.
function oauthError(error) {
  if (error?.error) return error.error;
  try {
    return JSON.parse(error?.message ?? '').error;
  } catch {
    return undefined;
  }
}

export async function signOut() {
  const user = await manager.getUser();
  sessionStorage.removeItem(RESUME_KEY);
  // Not revoked here first: that would revoke the grant the id_token_hint names, and the end-session endpoint would no
  // longer take the hint as proof and ask the user to confirm. With a valid hint it ends the session at once, and
  // with it this session's refresh token (tested in tests/browser/spa.test.mjs). removeUser deletes the DPoP key too.
  accountToken = null;
  await manager.removeUser();
  await manager.signoutRedirect({ id_token_hint: user?.id_token });
}

export async function endLocally(message) {
  sessionStorage.removeItem(RESUME_KEY);
  accountToken = null;
  await manager.removeUser();
  notify(null, message);
}

/**
 * fetch with the token of one API ('boardApi' or 'account'), as Authorization: DPoP with a fresh proof for this
 * request (RFC 9449 7). A 401 may be an access token that expired or was revoked: one refresh, one retry (a new proof);
 * if the refresh is refused the session is over. A step-up challenge is returned as is: a refreshed token carries the
 * same sign-in, so only signing in again (stepUp) can answer it.
 */
export async function authorizedFetch(api, url, options = {}) {
  let token = await currentToken(api);
  let response = await fetch(url, await withToken(options, url, token));
  if (response.status !== 401 || stepUpChallenge(response)) return response;
  try {
    token = await renewedToken(api, token);
  } catch (error) {
    if (error instanceof ResourceMismatch) throw error;
    throw new SignedOut();
  }
  response = await fetch(url, await withToken(options, url, token));
  if (response.status === 401) {
    await endLocally(SESSION_ENDED);
    throw new SignedOut();
  }
  return response;
}

async function currentToken(api) {
  const user = await manager.getUser();
  if (!user) throw new SignedOut();
  if (api === 'boardApi') return user.access_token;
  // Fetched when first needed, and again shortly before it expires (no timer: the account API is called rarely).
  if (accountToken && accountToken.expiresAt - 10 > Date.now() / 1000) return accountToken.token;
  try {
    return (await refresh('account')).token;
  } catch (error) {
    if (error instanceof ResourceMismatch) throw error;
    throw new SignedOut();
  }
}

/** A token newer than the one refused: another caller's refresh may already have brought one; else a refresh. */
async function renewedToken(api, refused) {
  const current = api === 'boardApi' ? (await manager.getUser())?.access_token : accountToken?.token;
  if (current && current !== refused && !refreshing.has(api)) return current;
  const renewed = await refresh(api);
  return api === 'boardApi' ? renewed.access_token : renewed.token;
}

/** Authorization: DPoP and the proof: htm, htu (the URL without query and fragment, RFC 9449 4.2), ath, a new jti. */
async function withToken(options, url, token) {
  const target = new URL(url, window.location.href);
  target.search = '';
  target.hash = '';
  const proof = await manager.dpopProof(target.href, { access_token: token }, options.method ?? 'GET');
  if (!proof) throw new SignedOut();
  return { ...options, headers: { ...(options.headers || {}), Authorization: `DPoP ${token}`, DPoP: proof } };
}

export class SignedOut extends Error {}

/** Thrown once the step-up sign-in is under way: the page is leaving, there is nothing to show. */
export class SteppingUp extends Error {}

function describe(error) {
  if (error.error === 'access_denied') return 'Sign-in was cancelled.';
  return error.error_description || error.message || 'Sign-in failed.';
}
