// Dynamic client registration with a certified relying-party library: openid-client (panva) registers itself with an
// admin's initial access token (RFC 7591), signs a user in with code + PKCE in Chromium, refreshes, and then the
// registration is read, replaced and deleted at its client configuration endpoint (RFC 7592) with plain fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { urls, launch, newPage, submitSignIn, registerUser } from './support.mjs';

// Issued by scripts/browser-tests.sh with the CLI (`IdentityServer initial-access-tokens create`), single use.
const initialAccessToken = process.env.DCR_INITIAL_ACCESS_TOKEN;
// Under the token's redirect URI prefix; caught in the browser, nothing listens there.
const redirectUri = 'http://127.0.0.1:5098/dynamic/callback';
const boardResource = `${urls.board}/`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The user signs in and allows the app (a registered client is always asked about); the callback is caught, not followed. */
async function authorize(url, user) {
  const page = await newPage(browser);
  let callback;
  await page.route(`${redirectUri}**`, (route) => {
    callback = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'done' });
  });
  await page.goto(url.href);
  await submitSignIn(page, user.email, user.password);
  await page.waitForSelector('#consent-scopes');
  assert.match(await page.textContent('#consent-app'), /Dynamically registered RP/);
  await page.click('#allow');
  await page.waitForURL(`${redirectUri}**`);
  await page.context().close();
  return new URL(callback);
}

/** An RFC 7592 call with the registration access token. */
async function manage(uri, token, method = 'GET', body) {
  const response = await fetch(uri, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, challenge: response.headers.get('www-authenticate') };
}

test('openid-client: registers with an initial access token, signs a user in with code + PKCE, refreshes; then RFC 7592', async () => {
  assert.ok(initialAccessToken, 'DCR_INITIAL_ACCESS_TOKEN is provisioned by scripts/browser-tests.sh');
  const user = await registerUser(browser, 'dynamic');
  const metadata = {
    client_name: 'Dynamically registered RP',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'openid offline_access posts.read',
  };
  const config = await client.dynamicClientRegistration(new URL(urls.identity), metadata, undefined,
    { initialAccessToken, execute: [client.allowInsecureRequests] });
  const registered = config.clientMetadata();
  assert.match(registered.client_id, /^dyn-/);
  assert.ok(registered.client_secret);
  assert.equal(registered.registration_client_uri, `${urls.identity}/connect/register/${registered.client_id}`);

  // The token was single use: a second registration with it is refused (RFC 6750 3.1).
  await assert.rejects(client.dynamicClientRegistration(new URL(urls.identity), metadata, undefined,
    { initialAccessToken, execute: [client.allowInsecureRequests] }), (error) => error.status === 401);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid offline_access posts.read', resource: boardResource,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state,
  });
  const tokens = await client.authorizationCodeGrant(config, await authorize(url, user),
    { pkceCodeVerifier: verifier, expectedState: state }, { resource: boardResource });
  assert.equal(tokens.claims().sub.length > 0, true);
  const posts = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${urls.board}/posts`), 'GET');
  assert.equal(posts.status, 200);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

  // RFC 7592 2.1: read.
  const uri = registered.registration_client_uri;
  const read = await manage(uri, registered.registration_access_token);
  assert.equal(read.status, 200);
  assert.equal(read.json.client_id, registered.client_id);
  assert.equal(read.json.client_secret, undefined);

  // 2.2: a full replacement; the registration access token is rotated and the old one dies.
  const updated = await manage(uri, registered.registration_access_token, 'PUT', { ...metadata, client_id: registered.client_id, client_name: 'Renamed RP' });
  assert.equal(updated.status, 200);
  assert.equal(updated.json.client_name, 'Renamed RP');
  assert.notEqual(updated.json.registration_access_token, registered.registration_access_token);
  const stale = await manage(uri, registered.registration_access_token);
  assert.equal(stale.status, 401);
  assert.match(stale.challenge, /^Bearer error="invalid_token"/);

  // 2.3: delete; the client's tokens die with it.
  assert.equal((await manage(uri, updated.json.registration_access_token, 'DELETE')).status, 204);
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token),
    (error) => (error.error ?? error.cause?.error) === 'invalid_client' || [400, 401].includes(error.status));
  assert.equal((await manage(uri, updated.json.registration_access_token)).status, 401);
});
