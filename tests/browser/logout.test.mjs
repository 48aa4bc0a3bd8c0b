// Logout reaches the apps: OIDC Back-Channel Logout 1.0 (Acme Planner's session ends when the user logs out everywhere
// in another browser) and Front-Channel Logout 1.0 (the end-session page loads certified-rp's logout URI in a hidden
// iframe, then returns to the client, also when the client never answers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as client from 'openid-client';
import { urls, launch, newPage, screenshot, registerUser, reachConsent, submitSignIn } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const serviceLogs = process.env.SERVICE_LOGS;
const frontChannelTimeoutMs = Number(process.env.FRONT_CHANNEL_TIMEOUT_SECONDS ?? 3) * 1000;

/** Polls CHECK (no fixed sleeps: a short pause between tries) until it returns a value, or fails at the deadline. */
async function until(what, check, { timeoutMs = 5000, pauseMs = 25 } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => { setTimeout(resolve, pauseMs); });
  }
}

/** Whether this browser's Acme Planner session is over: its landing page, which looks at the session cookie only. */
async function plannerSignedOut(page) {
  await page.goto(urls.thirdParty, { waitUntil: 'domcontentloaded' });
  return await page.locator('#connect').count() > 0;
}

/** The planner logs each logout token it accepted; waits for the one that ended SID. */
async function plannerAccepted(sid) {
  if (!serviceLogs) return;
  const accepted = `Back-channel logout: session ${sid} ended`;
  await until(`the planner to log the logout token for ${sid}`, async () =>
    (await readFile(`${serviceLogs}/ThirdPartyWeb.log`, 'utf8')).includes(accepted) ? true : undefined);
}

test('back-channel: log out everywhere in another browser ends the Acme Planner session within 1 s', async () => {
  const user = await registerUser(browser, 'planner');

  // Browser A: Acme Planner, connected with consent.
  const planner = await newPage(browser);
  await reachConsent(planner, user);
  await planner.click('#allow');
  await planner.waitForURL(`${urls.thirdParty}/**`);
  await planner.waitForSelector('#user-name');

  // Browser B: a second IdentityServer session, signed in on the IdentityServer's own pages.
  const account = await newPage(browser);
  await account.goto(`${urls.identity}/Account/Security`);
  await submitSignIn(account, user.email, user.password);
  await account.waitForURL(`${urls.identity}/Account/Security**`);
  assert.equal(await account.locator('#sessions > li').count(), 2);
  // Browser A's session is the one the planner took part in; its sid is what the logout token must name.
  const sessionsOfPlanner = account.locator('#sessions > li', { hasText: 'third-party-demo' });
  assert.equal(await sessionsOfPlanner.count(), 1);
  const sid = await sessionsOfPlanner.getAttribute('data-sid');
  assert.ok(sid);

  // Browser C: the planner once more (consent remembered), ended alone from B's account page. Only C's planner session
  // ends (logout tokens name their session, sid), and the first logout token after the servers start, which pays for
  // compiling the token signing, the HTTP client and the planner's validation (about half a second here), is this one,
  // not the one timed below.
  const second = await newPage(browser);
  await second.goto(urls.thirdParty);
  await second.click('#connect');
  await submitSignIn(second, user.email, user.password);
  await second.waitForSelector('#user-name');
  await account.reload();
  const secondSession = account.locator(`#sessions > li:not([data-sid="${sid}"])`, { hasText: 'third-party-demo' });
  const secondSid = await secondSession.getAttribute('data-sid');
  await secondSession.locator('button.danger').click();
  await until('the planner in browser C to be signed out', async () => (await plannerSignedOut(second) ? true : undefined));
  await plannerAccepted(secondSid);
  await until('the account page to list two sessions', async () =>
    (await account.locator('#sessions > li').count() === 2 ? true : undefined));
  await screenshot(account, 'logout-everywhere-account');

  // Signed in at the planner just before: otherwise the checks below would pass without any logout.
  await planner.goto(`${urls.thirdParty}/board`);
  assert.equal(await planner.textContent('#user-name'), user.displayName);
  assert.equal(await plannerSignedOut(planner), false);

  const started = performance.now();
  await account.click('#log-out-everywhere');
  // Polled on the planner's landing page: the planner refuses its cookie once a back-channel logout for its sid
  // arrived, and offers to connect again. Not on /board: log out everywhere also revokes the tokens, a moment before
  // the logout token is delivered, and a /board that meets the revoked tokens first ends the session through the
  // Board's refusal (/?ended=1), which would prove nothing about the back channel.
  await until('the planner to refuse its session', async () => (await plannerSignedOut(planner) ? true : undefined),
    { timeoutMs: 5000, pauseMs: 10 });
  const elapsed = Math.round(performance.now() - started);
  console.log(`back-channel logout: Acme Planner's session was gone ${elapsed} ms after the click`);
  assert.ok(elapsed < 1000, `the planner's session ended ${elapsed} ms after the click, not within 1 s`);

  // Its board now asks to sign in again, at the IdentityServer (where browser A's session is over too).
  await planner.goto(`${urls.thirdParty}/board`);
  const landed = new URL(planner.url());
  assert.equal(landed.origin, urls.identity, `sent to ${landed.href}, not to sign in at the IdentityServer`);
  assert.match(landed.pathname, /^\/(connect\/authorize|Account\/Login)/i);
  await screenshot(planner, 'logout-backchannel-planner-signed-out');

  // The planner ends a session only for a logout token that passed every check of section 2.6 (signature from the
  // JWKS, iss, aud, typ, iat window, the events member, no nonce, jti unseen, sid: LogoutTokenValidator), and logs
  // each one it accepts; a refused one is logged as refused and ends nothing.
  await plannerAccepted(sid);
  assert.deepEqual([...planner.errors, ...account.errors, ...second.errors], []);
  for (const page of [planner, account, second]) await page.context().close();
});

// --- Front-channel: certified-rp (openid-client, PAR + DPoP), registered with a front-channel logout URI and a
// post-logout redirect URI on 127.0.0.1:5099, where nothing listens: the browser's requests there are caught here.
const clientId = 'certified-rp';
const clientSecret = process.env.CERTIFIED_RP_SECRET ?? 'browser-tests-certified-rp-secret';
const rp = 'http://127.0.0.1:5099';
const redirectUri = `${rp}/callback`;
const frontChannelLogoutUri = `${rp}/frontchannel-logout`;
const postLogoutRedirectUri = `${rp}/signed-out`;

/**
 * Signs USER in to certified-rp in PAGE (whose browser session the ID token then names by sid) and returns the ID
 * token with its claims. The callback is caught in the browser, as in openid-client.test.mjs.
 */
async function signInToCertifiedRp(page, user) {
  const config = await client.discovery(new URL(urls.identity), clientId, undefined, client.ClientSecretBasic(clientSecret),
    { execute: [client.allowInsecureRequests] });
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const verifier = client.randomPKCECodeVerifier();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }, { DPoP: dpop });

  let callback;
  await page.route(`${redirectUri}**`, (route) => {
    callback = new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
  });
  await page.goto(url.href);
  await submitSignIn(page, user.email, user.password);
  // Not page.waitForURL: see catchSignedOut.
  await until('the callback', async () => callback);
  await page.unroute(`${redirectUri}**`);

  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }, undefined, { DPoP: dpop });
  const claims = tokens.claims();
  assert.ok(claims.sid, 'the ID token names its session (sid)');
  return { idToken: tokens.id_token, claims, issuer: config.serverMetadata().issuer };
}

/**
 * The post-logout redirect URI, answered with a tiny page so that the navigation completes. Returns a function that
 * waits for it and answers the URL and the time it was requested. Not page.waitForURL: with this Chromium and
 * playwright-core, a redirect's target escapes page.route (net::ERR_CONNECTION_REFUSED, which fails waitForURL) and the
 * browser then requests it again, this time caught.
 */
async function catchSignedOut(page) {
  const requests = [];
  await page.route(`${postLogoutRedirectUri}**`, (route) => {
    requests.push({ url: new URL(route.request().url()), at: performance.now() });
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Signed out</title><p>Signed out.</p>' });
  });
  return async (timeoutMs) => {
    const signedOut = await until('the browser to return to the post-logout redirect URI', async () => requests[0], { timeoutMs });
    await until('the page to show it', async () => (page.url().startsWith(postLogoutRedirectUri) ? true : undefined));
    return signedOut;
  };
}

/** When the end-session page moved on: it posts its continue form (the frames done, or the timeout). */
function continuedAt(page) {
  let at;
  page.on('request', (request) => {
    if (at === undefined && request.method() === 'POST' && new URL(request.url()).pathname === '/connect/logout') at = performance.now();
  });
  return () => { assert.ok(at !== undefined, 'the end-session page never posted its continue form'); return at; };
}

function endSessionUrl(idToken, state) {
  const url = new URL(`${urls.identity}/connect/logout`);
  url.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri, state }).toString();
  return url.href;
}

/** The end-session page's CSP: may frame the client's origin and nothing else. */
function assertFramesOnlyTheClient(response) {
  const policy = response.headers()['content-security-policy'] ?? '';
  const directives = new Map(policy.split(';').map((directive) => directive.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(directives.get('frame-src'), [rp], `Content-Security-Policy: ${policy}`);
}

/** After the logout, this browser is signed out of the IdentityServer: its account page asks for the password. */
async function assertSignedOutOfIdentityServer(page) {
  await page.goto(`${urls.identity}/Account/Security`);
  await page.waitForURL(`${urls.identity}/Account/Login**`);
}

test('front-channel: the end-session page loads the client\'s logout URI with iss and sid, then returns to the client', async () => {
  const user = await registerUser(browser, 'framed');
  const page = await newPage(browser);
  const { idToken, claims, issuer } = await signInToCertifiedRp(page, user);

  const frames = [];
  await page.route(`${frontChannelLogoutUri}**`, (route) => {
    const request = route.request();
    frames.push({ url: new URL(request.url()), inFrame: request.frame() !== page.mainFrame() });
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Logged out</title>' });
  });
  const signedOut = await catchSignedOut(page);
  const movedOn = continuedAt(page);

  const state = client.randomState();
  const response = await page.goto(endSessionUrl(idToken, state), { waitUntil: 'commit' });
  const shown = performance.now();
  assert.equal(new URL(response.url()).pathname, '/connect/logout');
  assertFramesOnlyTheClient(response);

  const back = await signedOut(frontChannelTimeoutMs + 5000);
  const elapsed = Math.round(movedOn() - shown);
  console.log(`front-channel logout: moved on ${elapsed} ms after the page (frame loaded; timeout ${frontChannelTimeoutMs} ms)`);
  assert.equal(back.url.searchParams.get('state'), state);
  // Moved on because the frame loaded, not at the timeout.
  assert.ok(elapsed < frontChannelTimeoutMs / 2, `${elapsed} ms: the page waited for its timeout, not for the frame`);

  assert.equal(frames.length, 1);
  const [frame] = frames;
  assert.ok(frame.inFrame, 'loaded in an iframe of the end-session page');
  assert.equal(`${frame.url.origin}${frame.url.pathname}`, frontChannelLogoutUri);
  assert.equal(frame.url.searchParams.get('iss'), issuer);
  assert.equal(issuer, `${urls.identity}/`);
  assert.equal(frame.url.searchParams.get('sid'), claims.sid);

  await assertSignedOutOfIdentityServer(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('front-channel: a client that never answers delays the return to it by the timeout, no more', async () => {
  const user = await registerUser(browser, 'hung');
  const page = await newPage(browser);
  const { idToken, claims } = await signInToCertifiedRp(page, user);

  // A hanging client: the frame's request is held, never answered (aborted once the test is over).
  const held = [];
  await page.route(`${frontChannelLogoutUri}**`, (route) => { held.push(route); });
  const signedOut = await catchSignedOut(page);
  const movedOn = continuedAt(page);

  const state = client.randomState();
  const response = await page.goto(endSessionUrl(idToken, state), { waitUntil: 'commit' });
  const shown = performance.now();
  assertFramesOnlyTheClient(response);
  await page.waitForSelector('#frontchannel-done');
  assert.match(await page.textContent('h1'), /Signing you out/);
  await screenshot(page, 'logout-frontchannel-signing-out');

  const back = await signedOut(frontChannelTimeoutMs + 10_000);
  const elapsed = Math.round(movedOn() - shown);
  console.log(`front-channel logout, hanging client: moved on ${elapsed} ms after the page (timeout ${frontChannelTimeoutMs} ms)`);
  assert.equal(back.url.searchParams.get('state'), state);
  assert.equal(held.length, 1);
  assert.equal(new URL(held[0].request().url()).searchParams.get('sid'), claims.sid);
  // The page's timer starts when its script runs, a little after the response is committed.
  assert.ok(elapsed >= frontChannelTimeoutMs - 100, `${elapsed} ms: the page did not wait for the frame`);
  assert.ok(elapsed < frontChannelTimeoutMs + 3000, `${elapsed} ms: the page waited well past its ${frontChannelTimeoutMs} ms timeout`);

  await Promise.all(held.map((route) => route.abort().catch(() => {})));
  await assertSignedOutOfIdentityServer(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
