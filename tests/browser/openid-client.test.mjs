// A certified relying-party library against our server: openid-client (panva, OpenID Certified), a confidential
// client that must push its requests (PAR, RFC 9126) and bind its tokens (DPoP, RFC 9449), asking for one resource per
// token (RFC 8707). Chromium does the user's part: the sign-in page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { urls, launch, newPage, submitSignIn, registerUser } from './support.mjs';

// Seeded by scripts/browser-tests.sh: require_pushed_authorization_requests and dpop_bound_access_tokens.
const clientId = 'certified-rp';
const clientSecret = process.env.CERTIFIED_RP_SECRET ?? 'browser-tests-certified-rp-secret';
const redirectUri = 'http://127.0.0.1:5099/callback';
const boardResource = `${urls.board}/`;
const accountResource = `${urls.identity}/auth`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Discovery, client authentication (client_secret_basic) and a DPoP key of this client's own. */
async function configure() {
  const config = await client.discovery(new URL(urls.identity), clientId, undefined, client.ClientSecretBasic(clientSecret),
    { execute: [client.allowInsecureRequests] });
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  return { config, dpop };
}

/** The user signs in on the pushed request's page; the redirect to the client's callback is caught, not followed. */
async function authorize(url, user) {
  const page = await newPage(browser);
  let callback;
  await page.route(`${redirectUri}**`, (route) => {
    callback = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'done' });
  });
  await page.goto(url.href);
  await submitSignIn(page, user.email, user.password);
  await page.waitForURL(`${redirectUri}**`);
  await page.context().close();
  return new URL(callback);
}

test('openid-client: PAR, then a DPoP-bound token for BoardApi, then one for the account API from the refresh token', async () => {
  const user = await registerUser(browser, 'certified');
  const { config, dpop } = await configure();
  assert.ok(config.serverMetadata().dpop_signing_alg_values_supported.includes('ES256'));

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  // The grant covers both APIs: resource repeated (RFC 8707 2), which a plain object cannot say.
  const parameters = new URLSearchParams({
    redirect_uri: redirectUri,
    scope: 'openid offline_access posts.read account',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  parameters.append('resource', boardResource);
  parameters.append('resource', accountResource);
  const url = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP: dpop });
  // Only the reference travels through the browser (RFC 9126 4).
  assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);

  const tokens = await client.authorizationCodeGrant(config, await authorize(url, user),
    { pkceCodeVerifier: verifier, expectedState: state }, { resource: boardResource }, { DPoP: dpop });
  assert.equal(tokens.token_type, 'dpop');
  const posts = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${urls.board}/posts`), 'GET',
    undefined, undefined, { DPoP: dpop });
  assert.equal(posts.status, 200);

  // The same sign-in, a second API: the refresh token, narrowed to the account API (RFC 8707 2.2).
  const account = await client.refreshTokenGrant(config, tokens.refresh_token, { resource: accountResource }, { DPoP: dpop });
  const me = await client.fetchProtectedResource(config, account.access_token, new URL(`${urls.identity}/auth/me`), 'GET',
    undefined, undefined, { DPoP: dpop });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).email, user.email);

  // Each token is good at its own API only: openid-client reports the 401's DPoP challenge.
  await assert.rejects(client.fetchProtectedResource(config, tokens.access_token, new URL(`${urls.identity}/auth/me`), 'GET',
    undefined, undefined, { DPoP: dpop }), (error) => error.status === 401 && error.cause[0].scheme === 'dpop');

  // Without the key, the token is nothing: a thief replaying it as a bearer token is refused.
  const stolen = await fetch(`${urls.board}/posts`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(stolen.status, 401);
  assert.match(stolen.headers.get('www-authenticate'), /^DPoP /);
});

test('openid-client: a plain (not pushed) authorization request of a client that must push is refused', async () => {
  const { config } = await configure();
  const plain = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const page = await newPage(browser);
  let callback;
  await page.route(`${redirectUri}**`, (route) => {
    callback = new URL(route.request().url());
    return route.fulfill({ status: 200, body: 'done' });
  });
  await page.goto(plain.href);
  // Back to the client with the error, or on the server's error page when it would not redirect.
  const error = callback?.searchParams.get('error') ?? await page.textContent('#oauth-error code');
  await page.context().close();
  assert.equal(error, 'invalid_request');
});
