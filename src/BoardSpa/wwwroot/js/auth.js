// Sign-in with authorization code + PKCE through oidc-client-ts (loaded as the global `oidc`).
// Tokens are held in memory only (InMemoryWebStorage): a script injected into the page could still use them
// while it runs, but nothing outlives the tab or can be read back from storage later. The price: a reload
// loses them, so the app quietly redirects once to the IdentityServer (prompt=none), whose session cookie
// signs the user straight back in. Every authorization request is pushed (RFC 9126, par.js): the address bar carries
// only a request_uri.
import { PushingRedirectNavigator } from './par.js';

const RESUME_KEY = 'board.resume';

let manager;
let renewals = 0;
let renewing = null;
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
}

function notify(user, message) {
  for (const listener of listeners) listener(user, message);
}

export function init(config) {
  const origin = window.location.origin;
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
    // Renewal is driven below, so that it and a 401 retry share one refresh (see renew()).
    automaticSilentRenew: false,
    accessTokenExpiringNotificationTimeInSeconds: config.renewSecondsBeforeExpiry,
    loadUserInfo: true,
    monitorSession: false,
  };
  manager = new oidc.UserManager(settings, new PushingRedirectNavigator(settings));
  manager.events.addUserLoaded((user) => {
    renewals += 1;
    notify(user);
  });
  manager.events.addAccessTokenExpiring(() => renew().catch(() => {}));
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
 * One refresh at a time. Refresh tokens rotate, and the IdentityServer takes a refresh token presented twice for a
 * stolen one and ends the session; the renewal timer and a 401 retry (or two of them) must not both spend it.
 * A refused refresh (revoked, "log out everywhere" elsewhere) means the session is over.
 */
function renew() {
  renewing ??= manager.signinSilent()
    .catch(async (error) => {
      await endLocally('Your session has ended. Please sign in again.');
      throw error;
    })
    .finally(() => { renewing = null; });
  return renewing;
}

export async function signOut() {
  const user = await manager.getUser();
  sessionStorage.removeItem(RESUME_KEY);
  // Not revoked here first: that would revoke the grant the id_token_hint names, and the end-session endpoint would no
  // longer take the hint as proof and ask the user to confirm. With a valid hint it ends the session at once, and
  // with it this session's refresh token (tested in tests/browser/spa.test.mjs).
  await manager.removeUser();
  await manager.signoutRedirect({ id_token_hint: user?.id_token });
}

export async function endLocally(message) {
  sessionStorage.removeItem(RESUME_KEY);
  await manager.removeUser();
  notify(null, message);
}

/**
 * fetch with the access token. A 401 may be an access token that expired or was revoked: one refresh, one retry;
 * if the refresh is refused the session is over. A step-up challenge is returned as is: a refreshed token carries
 * the same sign-in, so only signing in again (stepUp) can answer it.
 */
export async function authorizedFetch(url, options = {}) {
  let user = await manager.getUser();
  if (!user) throw new SignedOut();
  let response = await fetch(url, withToken(options, user.access_token));
  if (response.status !== 401 || stepUpChallenge(response)) return response;
  try {
    user = await renew();
  } catch {
    throw new SignedOut();
  }
  response = await fetch(url, withToken(options, user.access_token));
  if (response.status === 401) {
    await endLocally('Your session has ended. Please sign in again.');
    throw new SignedOut();
  }
  return response;
}

function withToken(options, token) {
  return { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } };
}

export class SignedOut extends Error {}

/** Thrown once the step-up sign-in is under way: the page is leaving, there is nothing to show. */
export class SteppingUp extends Error {}

function describe(error) {
  if (error.error === 'access_denied') return 'Sign-in was cancelled.';
  return error.error_description || error.message || 'Sign-in failed.';
}
