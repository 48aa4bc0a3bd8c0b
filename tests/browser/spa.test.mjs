// The Board SPA in a real browser: code + PKCE sign-in with pushed authorization requests, DPoP-bound tokens (one per
// API), posts CRUD through BoardApi, silent renewal, sign-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  urls, launch, newPage, screenshot, registerUser, signInToSpa, submitSignIn, reloadPosts, accessTokenLifetimeSeconds, dpopProof,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sign in, then create, edit and delete a post; markup in a post stays text', async () => {
  const user = await registerUser(browser, 'poster');
  const page = await newPage(browser);
  await page.goto(urls.spa);
  await page.waitForSelector('#landing:not([hidden])');
  await screenshot(page, 'spa-landing');
  await page.click('#sign-in');
  await page.waitForURL(`${urls.identity}/Account/Login**`);
  await screenshot(page, 'identity-sign-in');
  await submitSignIn(page, user.email, user.password);
  await page.waitForSelector('#board:not([hidden])');
  assert.equal(await page.textContent('#user-name'), user.displayName);

  const title = `Hello <img src=x onerror="window.__pwned=1"> ${Date.now()}`;
  const content = '<script>window.__pwned = 1</script> is just text here.';
  await page.fill('#new-title', title);
  await page.fill('#new-content', content);
  await page.click('#new-post button[type=submit]');
  const post = page.locator('#posts > li', { hasText: title }).first();
  await post.waitFor();
  assert.equal(await post.locator('.post-title').textContent(), title);
  assert.equal(await post.locator('.post-content').textContent(), content);
  assert.equal(await post.locator('.post-title img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await screenshot(page, 'spa-board');

  await post.locator('button.edit').click();
  await post.locator('.post-edit input[name=title]').fill(`${title} (edited)`);
  await post.locator('.post-edit textarea[name=content]').fill('Edited content.');
  await post.locator('.post-edit button.save').click();
  await post.locator('.post-view:not([hidden]) .post-content', { hasText: 'Edited content.' }).waitFor();
  assert.match(await post.locator('.post-title').textContent(), /\(edited\)$/);

  // The edit reached BoardApi: a fresh load shows it.
  await reloadPosts(page);
  assert.equal(await post.locator('.post-content').textContent(), 'Edited content.');

  const id = await post.getAttribute('data-id');
  await post.locator('button.delete').click();
  await page.locator(`#posts > li[data-id="${id}"]`).waitFor({ state: 'detached' });
  await reloadPosts(page);
  assert.equal(await page.locator(`#posts > li[data-id="${id}"]`).count(), 0);
  assert.deepEqual(page.errors, []);
});

test('sign-in pushes its authorization request: the address bar carries only client_id and request_uri', async () => {
  const user = await registerUser(browser, 'pusher');
  const page = await newPage(browser);
  const pushes = [];
  const authorizeUrls = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${urls.identity}/connect/authorize`)) authorizeUrls.push(new URL(request.url()));
  });
  // Passed through as it is, its answer kept: the page leaves at once, and a response's body with it.
  await page.route(`${urls.identity}/connect/par`, async (route) => {
    const response = await route.fetch();
    pushes.push({ request: route.request(), status: response.status(), answer: await response.json() });
    await route.fulfill({ response });
  });
  await signInToSpa(page, user);
  assert.equal(await page.textContent('#user-name'), user.displayName);

  // RFC 9126 2.1: the whole request, posted as a form by the public client, which names itself in the body.
  assert.equal(pushes.length, 1);
  const { request: push, status, answer } = pushes[0];
  assert.equal(push.method(), 'POST');
  assert.match(await push.headerValue('content-type'), /^application\/x-www-form-urlencoded/);
  const pushed = new URLSearchParams(push.postData());
  assert.equal(pushed.get('client_id'), 'board-spa');
  assert.equal(pushed.get('redirect_uri'), `${urls.spa}/callback`);
  assert.equal(pushed.get('response_type'), 'code');
  assert.equal(pushed.get('code_challenge_method'), 'S256');
  assert.match(pushed.get('code_challenge') ?? '', /^[\w-]{43}$/);
  assert.match(pushed.get('scope') ?? '', /\bopenid\b/);
  assert.ok(pushed.get('state'));
  assert.equal(status, 201);
  const requestUri = answer.request_uri;
  assert.match(requestUri, /^urn:ietf:params:oauth:request_uri:/);

  // RFC 9126 4: the SPA sent the browser to the authorization endpoint with the reference alone. The way back to it
  // after the sign-in form (the server's own marker added) carries none of the pushed parameters either.
  const [sent, ...back] = authorizeUrls;
  assert.deepEqual([...sent.searchParams.keys()].sort(), ['client_id', 'request_uri'], sent.href);
  assert.equal(sent.searchParams.get('client_id'), 'board-spa');
  assert.equal(sent.searchParams.get('request_uri'), requestUri);
  for (const url of back) {
    assert.equal(url.searchParams.get('request_uri'), requestUri);
    for (const name of pushed.keys()) if (name !== 'client_id') assert.equal(url.searchParams.has(name), false, url.href);
  }
  assert.deepEqual(page.errors, []);
});

test('a refused push is shown on the page, and the browser stays in the SPA', async () => {
  const page = await newPage(browser);
  // The request arrives at the real endpoint wrong in one way: a redirect_uri the client never registered.
  await page.route(`${urls.identity}/connect/par`, (route) => {
    const body = new URLSearchParams(route.request().postData());
    body.set('redirect_uri', `${urls.spa}/elsewhere`);
    return route.continue({ postData: body.toString() });
  });
  const refused = page.waitForResponse(`${urls.identity}/connect/par`);
  const authorizeRequests = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${urls.identity}/connect/authorize`)) authorizeRequests.push(request.url());
  });
  await page.goto(urls.spa);
  await page.click('#sign-in');

  const answer = await refused;
  assert.equal(answer.status(), 400);
  const { error, error_description: description } = await answer.json();
  assert.equal(error, 'invalid_request');
  const banner = page.locator('#banner');
  await banner.waitFor();
  assert.equal(await banner.textContent(), `Sign-in could not start: ${description}`);
  assert.equal(await banner.getAttribute('data-kind'), 'error');
  assert.equal(new URL(page.url()).origin, urls.spa);
  assert.equal(await page.isVisible('#sign-in'), true);
  assert.deepEqual(authorizeRequests, []);
  assert.deepEqual(page.errors, []);
});

test('tokens live in memory only, and are renewed silently with the refresh token before they expire', async () => {
  const user = await registerUser(browser, 'renewer');
  const page = await newPage(browser);
  const rejected = [];
  page.on('response', (response) => {
    if (response.status() === 401) rejected.push(response.url());
  });
  await signInToSpa(page, user);

  assert.doesNotMatch(await storedText(page), /eyJ|access_token|refresh_token|id_token/);

  const status = page.locator('#token-status');
  const firstExpiry = Number(await status.getAttribute('data-expires-at'));
  // oidc-client-ts renews ahead of expiry (Spa:RenewSecondsBeforeExpiry) with a refresh_token grant.
  await page.waitForFunction(() => Number(document.getElementById('token-status').dataset.renewals) >= 1,
    null, { timeout: (accessTokenLifetimeSeconds + 10) * 1000 });
  assert.ok(Number(await status.getAttribute('data-expires-at')) > firstExpiry);

  // Past the first token's expiry, the board still works, without a single request being refused on the way.
  const wait = firstExpiry * 1000 - Date.now() + 1500;
  if (wait > 0) await page.waitForTimeout(wait);
  await page.fill('#new-title', 'Written with a renewed token');
  await page.fill('#new-content', 'No sign-in needed.');
  await page.click('#new-post button[type=submit]');
  await page.locator('#posts > li', { hasText: 'Written with a renewed token' }).first().waitFor();
  assert.deepEqual(rejected, []);
  assert.deepEqual(page.errors, []);
});

test('sign-out goes through end-session: back in the SPA signed out, and the IdentityServer asks for the password again', async () => {
  const user = await registerUser(browser, 'leaver');
  const page = await newPage(browser);
  const issued = [];
  page.on('response', async (response) => {
    if (response.url() === `${urls.identity}/connect/token` && response.ok()) issued.push(await response.json());
  });
  await signInToSpa(page, user);
  // The refresh token is bound to the page's DPoP key, which sign-out deletes: a proof signed with it beforehand (and
  // the server's nonce) lets the test try the refresh token afterwards.
  const proof = await proofFromPage(page, `${urls.identity}/connect/token`, 'POST');

  await page.click('#sign-out');
  await page.waitForURL(`${urls.spa}/`);
  await page.waitForSelector('#landing:not([hidden])');
  assert.equal(await page.isHidden('#user-menu'), true);
  assert.equal(await dpopKeyInPage(page), null);

  // The SPA's refresh token died with the session.
  const refresh = await fetch(`${urls.identity}/connect/token`, {
    method: 'POST',
    headers: { DPoP: proof },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'board-spa', refresh_token: issued.at(-1).refresh_token }),
  });
  assert.equal((await refresh.json()).error, 'invalid_grant');

  await page.click('#sign-in');
  await page.waitForURL(`${urls.identity}/Account/Login**`);
  assert.equal(await page.isVisible('#Input_Password'), true);
});

test('a reload keeps nothing in storage but the DPoP key, yet the user is back without typing a password', async () => {
  const user = await registerUser(browser, 'reloader');
  const page = await newPage(browser);
  const calls = apiCalls(page);
  await signInToSpa(page, user);
  await reloadPosts(page);
  const before = await lastCall(calls, urls.board);

  calls.length = 0;
  await page.reload();
  await page.waitForSelector('#board:not([hidden])');
  assert.equal(await page.textContent('#user-name'), user.displayName);
  await reloadPosts(page);
  const after = await lastCall(calls, urls.board);
  assert.equal((await after.request.response()).status(), 200);

  // The same key signs after the reload (its thumbprint, the new token's cnf.jkt), a new token beside it.
  assert.equal(after.thumbprint, before.thumbprint);
  assert.equal(jwtPayload(after.token).cnf.jkt, before.thumbprint);
  assert.notEqual(after.token, before.token);
  // Kept in IndexedDB as a CryptoKey no script can export.
  assert.deepEqual(await dpopKeyInPage(page), { extractable: false, exported: 'refused' });
  // A JWT (header "eyJ…") or an opaque token under any key would show here.
  assert.doesNotMatch(await storedText(page), /eyJ|access_token|refresh_token|id_token|code_verifier/);
  assert.deepEqual(page.errors, []);
});

test("one DPoP-bound token per API: BoardApi's and the account API's, each call with a fresh proof of one key", async () => {
  const user = await registerUser(browser, 'binder');
  const page = await newPage(browser);
  const calls = apiCalls(page);
  const tokenRequests = [];
  page.on('request', (request) => {
    if (request.url() === `${urls.identity}/connect/token`) tokenRequests.push(request);
  });
  await signInToSpa(page, user);
  await reloadPosts(page);
  await page.click('#show-sessions');
  await page.locator('#session-list > li').first().waitFor();

  const board = await Promise.all(calls.filter((call) => call.url.startsWith(urls.board)).map(described));
  const account = await Promise.all(calls.filter((call) => call.url.startsWith(urls.identity)).map(described));
  assert.ok(board.length >= 2, `BoardApi calls: ${board.length}`);
  assert.ok(account.length >= 1, `account API calls: ${account.length}`);
  for (const call of [...board, ...account]) {
    assert.equal(call.scheme, 'DPoP', call.url);
    assert.equal(call.proofHeader.typ, 'dpop+jwt');
    assert.equal(call.proofHeader.alg, 'ES256');
    assert.equal(call.proof.htm, call.method);
    assert.equal(call.proof.htu, call.url.split('?')[0]);
    assert.equal(call.proof.ath, createHash('sha256').update(call.token).digest('base64url'));
    assert.equal(jwtPayload(call.token).cnf.jkt, call.thumbprint);
    assert.equal((await call.request.response()).status(), 200, call.url);
  }
  const all = [...board, ...account];
  assert.equal(new Set(all.map((call) => call.proof.jti)).size, all.length, 'a new jti for every request');
  assert.equal(new Set(all.map((call) => call.thumbprint)).size, 1, 'one key');

  // RFC 8707: BoardApi's token names BoardApi alone, with the posts scopes; the account API's names the account API.
  const boardToken = jwtPayload(board[0].token);
  const accountToken = jwtPayload(account[0].token);
  assert.deepEqual([boardToken.aud].flat(), [`${urls.board}/`]);
  assert.deepEqual(boardToken.scope.split(' ').sort(), ['posts.read', 'posts.write']);
  assert.deepEqual([accountToken.aud].flat(), [`${urls.identity}/auth`]);
  assert.deepEqual(accountToken.scope.split(' '), ['account']);

  // The code redeemed for BoardApi, a refresh for the account API; never a token request without a proof.
  const bodies = await Promise.all(tokenRequests.map(async (request) => ({
    body: new URLSearchParams(request.postData()), dpop: (await request.allHeaders()).dpop })));
  for (const { dpop } of bodies) assert.ok(dpop, 'a DPoP proof on every token request');
  const redeemed = bodies.find(({ body }) => body.get('grant_type') === 'authorization_code');
  assert.equal(redeemed.body.get('resource'), `${urls.board}/`);
  assert.ok(bodies.some(({ body }) => body.get('grant_type') === 'refresh_token' && body.get('resource') === `${urls.identity}/auth`));
  assert.deepEqual(page.errors, []);
});

test('a token taken from the page is refused elsewhere: as a bearer token, with a proof of another key, or with its own proof again', async () => {
  const user = await registerUser(browser, 'thief');
  const page = await newPage(browser);
  const calls = apiCalls(page);
  await signInToSpa(page, user);
  await reloadPosts(page);
  await page.click('#show-sessions');
  await page.locator('#session-list > li').first().waitFor();
  const board = await lastCall(calls, urls.board);
  const account = await lastCall(calls, urls.identity);

  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  for (const call of [board, account]) {
    const bearer = await fetch(call.url, { headers: { Authorization: `Bearer ${call.token}` } });
    assert.equal(bearer.status, 401, call.url);
    const otherKey = await fetch(call.url, {
      headers: { Authorization: `DPoP ${call.token}`, DPoP: dpopProof(key, call.method, call.url, { token: call.token }) },
    });
    assert.equal(otherKey.status, 401, call.url);
    assert.match(otherKey.headers.get('www-authenticate') ?? '', /^DPoP /);
    // The page's own proof, replayed as it was sent: its jti is spent.
    const replayed = await fetch(call.url, { headers: { Authorization: `DPoP ${call.token}`, DPoP: call.dpop } });
    assert.equal(replayed.status, 401, call.url);
  }
  // Each token is for its own API only, even with a good proof.
  const crossed = await fetch(`${urls.identity}/auth/sessions`, {
    headers: { Authorization: `DPoP ${board.token}`, DPoP: await proofFromPage(page, `${urls.identity}/auth/sessions`, 'GET', { accessToken: board.token }) },
  });
  assert.equal(crossed.status, 401);
  // The page itself still works.
  await page.click('#close-sessions');
  await reloadPosts(page);
  assert.deepEqual(page.errors, []);
});

test('two requests refused at once share one refresh: the rotating refresh token is never spent twice', async () => {
  const user = await registerUser(browser, 'racer');
  const page = await newPage(browser);
  await signInToSpa(page, user);
  const refreshes = [];
  // A request refused with use_dpop_nonce (RFC 9449 8) spends nothing and is sent again: not counted.
  page.on('response', async (response) => {
    if (!response.url().startsWith(`${urls.identity}/connect/token`)) return;
    if (response.status() === 400 && (await response.json()).error === 'use_dpop_nonce') return;
    refreshes.push(response.request().postData());
  });
  // BoardApi refuses the next two list requests, as it would an expired token.
  let refusals = 2;
  await page.route(`${urls.board}/posts**`, (route) => (route.request().method() === 'GET' && refusals-- > 0
    ? route.fulfill({ status: 401, headers: { 'Access-Control-Allow-Origin': urls.spa }, body: '' })
    : route.continue()));

  const loads = Number(await page.getAttribute('#posts', 'data-loads'));
  await page.evaluate(() => { document.getElementById('reload-posts').click(); document.getElementById('reload-posts').click(); });
  await page.waitForFunction((before) => Number(document.getElementById('posts').dataset.loads) >= before + 2, loads);

  assert.equal(refreshes.length, 1, `refresh requests: ${refreshes.length}`);
  assert.match(refreshes[0], /grant_type=refresh_token/);
  // Still signed in: a reused refresh token would have ended the session.
  await reloadPosts(page);
  assert.equal(await page.isVisible('#board'), true);
  assert.deepEqual(page.errors, []);
});

test('API calls carry a W3C traceparent, a new trace each, which BoardApi accepts cross-origin', async () => {
  const user = await registerUser(browser, 'traced');
  const page = await newPage(browser);
  const calls = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${urls.board}/posts`) && request.method() !== 'OPTIONS') calls.push(request);
  });
  await signInToSpa(page, user);
  await reloadPosts(page);
  await page.fill('#new-title', `Traced ${Date.now()}`);
  await page.fill('#new-content', 'Followed from the browser.');
  await page.click('#new-post button[type=submit]');
  await page.locator('#posts > li', { hasText: 'Followed from the browser.' }).first().waitFor();

  assert.ok(calls.length >= 3, `BoardApi calls: ${calls.length}`);
  const traceparents = await Promise.all(calls.map(async (request) => (await request.allHeaders()).traceparent));
  for (const value of traceparents) {
    // version 00, 16-byte trace id, 8-byte parent id, flags 01 (sampled); all-zero ids are invalid.
    assert.match(value ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, parentId] = value.split('-');
    assert.doesNotMatch(traceId, /^0+$/);
    assert.doesNotMatch(parentId, /^0+$/);
  }
  assert.equal(new Set(traceparents.map((value) => value.split('-')[1])).size, traceparents.length);
  // The preflight allowed the header: every call got its answer (a CORS refusal would be a failed request).
  for (const request of calls) assert.ok((await request.response())?.ok(), request.url());
  assert.deepEqual(page.errors, []);
});

/** The page's calls to BoardApi and the account API (no preflights), as they are made. */
function apiCalls(page) {
  const calls = [];
  page.on('request', (request) => {
    const url = request.url();
    if (request.method() !== 'OPTIONS' && (url.startsWith(`${urls.board}/posts`) || url.startsWith(`${urls.identity}/auth/`))) {
      calls.push({ url, request });
    }
  });
  return calls;
}

async function lastCall(calls, origin) {
  const call = calls.filter((candidate) => candidate.url.startsWith(origin)).at(-1);
  assert.ok(call, `a call to ${origin}`);
  return described(call);
}

/** A call's token, its DPoP proof decoded and the proof key's RFC 7638 thumbprint. */
async function described({ url, request }) {
  const headers = await request.allHeaders();
  const [scheme, token] = (headers.authorization ?? '').split(' ');
  const [header, payload] = (headers.dpop ?? '.').split('.').slice(0, 2).map((part) => (part ? JSON.parse(Buffer.from(part, 'base64url')) : {}));
  const { crv, kty, x, y } = header.jwk ?? {};
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { url, request, method: request.method(), scheme, token, dpop: headers.dpop, proofHeader: header, proof: payload, thumbprint };
}

function jwtPayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
}

// oidc-client-ts's IndexedDbDPoPStore: database "oidc", object store "dpop", the client_id's { keys, nonce }.
const readDPoPState = () => new Promise((resolve, reject) => {
  const open = indexedDB.open('oidc');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    if (!open.result.objectStoreNames.contains('dpop')) return resolve(undefined);
    const get = open.result.transaction('dpop').objectStore('dpop').get('board-spa');
    get.onerror = () => reject(get.error);
    get.onsuccess = () => resolve(get.result);
  };
});

/** The stored key: whether it says it is extractable, and what exporting its private half does; null if none. */
async function dpopKeyInPage(page) {
  return inPage(page, async (read) => {
    const state = await read();
    if (!state) return null;
    const exported = await crypto.subtle.exportKey('pkcs8', state.keys.privateKey).then(() => 'exported', () => 'refused');
    return { extractable: state.keys.privateKey.extractable, exported };
  });
}

// The page's CSP allows no eval: the function and readDPoPState go as one expression (which CDP runs as it is).
function inPage(page, fn, args = {}) {
  return page.evaluate(`(${fn})(${readDPoPState}, ${JSON.stringify(args)})`);
}

/** A proof signed in the page with its stored key (with the stored server nonce, for the token endpoint). */
async function proofFromPage(page, url, method, { accessToken } = {}) {
  return inPage(page, async (read, { url, method, accessToken }) => {
    const state = await read();
    const encode = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const part = (value) => encode(new TextEncoder().encode(JSON.stringify(value)));
    const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', state.keys.publicKey);
    const payload = { jti: crypto.randomUUID(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000) };
    if (accessToken) payload.ath = encode(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
    if (state.nonce && !accessToken) payload.nonce = state.nonce;
    const input = `${part({ typ: 'dpop+jwt', alg: 'ES256', jwk: { crv, kty, x, y } })}.${part(payload)}`;
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, state.keys.privateKey, new TextEncoder().encode(input));
    return `${input}.${encode(signature)}`;
  }, { url, method, accessToken });
}

async function storedText(page) {
  return page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
}
