// Multi-factor sign-in in a real browser: passkeys (Chromium's virtual authenticator, driven over CDP), an
// authenticator app (RFC 6238 codes computed here), the second-factor page, and the Board SPA's step-up (RFC 9470)
// when an admin deletes someone else's post.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { urls, demoUser, launch, newPage, screenshot, registerUser, signInToSpa, reloadPosts, dpopTokenRequest } from './support.mjs';

// An IP address is no WebAuthn RP ID: the passkey tests open the IdentityServer as localhost, which Chromium takes for
// a secure context and the server for the RP ID. Its cookies are not 127.0.0.1's: a session there is a session here.
const identity = urls.identity.replace('127.0.0.1', 'localhost');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a passkey added on the account page signs in alone from the sign-in page: no password, amr says key and mfa', async () => {
  const user = await registerUser(browser, 'keyholder');
  const page = await newPage(browser);
  await signInWithPassword(page, identity, user);
  const authenticator = await addAuthenticator(page);
  await addPasskey(page, 'Laptop');

  // Listed under its name, with ten recovery codes shown once; and the authenticator really holds a discoverable
  // credential for this RP ID.
  await page.locator('#passkeys > li[data-passkey-name="Laptop"]').waitFor();
  assert.match(await page.textContent('#passkeys > li[data-passkey-name="Laptop"]'), /never used/);
  assert.equal(await page.locator('#recovery-codes code').count(), 10);
  assert.equal(await page.textContent('#recovery-codes-left'), '10');
  const credentials = await authenticator.credentials();
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].rpId, 'localhost');
  assert.equal(credentials[0].isResidentCredential, true);
  await authenticator.remove();
  await signOut(page, identity);

  // From a client's authorization request to the sign-in page. With no authenticator attached Chromium reports
  // conditional mediation unavailable, so the page starts no autofill request of its own: the button is the path.
  const passkeyPosts = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /handler=Passkey/.test(request.url())) passkeyPosts.push(new URL(request.url()).search);
  });
  const flow = await authorizationRequest(page);
  await page.goto(flow.url);
  await page.waitForURL(`${identity}/Account/Login**`);
  await page.locator('#sign-in-with-passkey').waitFor();
  assert.deepEqual(passkeyPosts, []);
  await screenshot(page, 'identity-sign-in-passkey');

  await (await addAuthenticator(page)).add(credentials[0]);
  await page.click('#sign-in-with-passkey');
  const claims = await flow.redeem();
  assert.deepEqual(passkeyPosts, ['?handler=PasskeyOptions', '?handler=Passkey']);
  // A device-bound key (the virtual authenticator's is not backup eligible) with user verification: two factors.
  assert.deepEqual([...claims.amr].sort(), ['hwk', 'mfa']);
  assert.equal(claims.acr, 'mfa');

  // The session is the passkey's: the account page opens without the sign-in page and shows the key as used.
  await page.goto(`${identity}/Account/TwoFactor`);
  assert.equal(new URL(page.url()).pathname, '/Account/TwoFactor');
  assert.match(await page.textContent('#passkeys > li[data-passkey-name="Laptop"]'), /last used/);
  assert.deepEqual(page.errors, []);
});

test('the username field\'s passkey autofill (conditional mediation) signs in without a click', async () => {
  const user = await registerUser(browser, 'autofill');
  const page = await newPage(browser);
  await signInWithPassword(page, identity, user);
  const authenticator = await addAuthenticator(page);
  await addPasskey(page, 'Tablet');
  await signOut(page, identity);

  // The authenticator stays: Chromium reports conditional mediation available, the page asks at load, and the
  // virtual authenticator (presence simulated, one credential for this RP) answers the autofill request at once.
  const passkeyPosts = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /handler=Passkey/.test(request.url())) passkeyPosts.push(new URL(request.url()).search);
  });
  await page.goto(`${identity}/Account/Login?ReturnUrl=${encodeURIComponent('/Account/TwoFactor')}`);
  await page.waitForURL(`${identity}/Account/TwoFactor`);
  assert.deepEqual(passkeyPosts, ['?handler=PasskeyOptions', '?handler=Passkey']);
  assert.match(await page.textContent('#passkeys > li[data-passkey-name="Tablet"]'), /last used/);
  assert.equal((await authenticator.credentials())[0].signCount > 0, true);
  assert.deepEqual(page.errors, []);
});

test('password, then a passkey as the second factor; the account page lists a passkey and an authenticator app', async () => {
  const user = await registerUser(browser, 'twostep');
  const page = await newPage(browser);
  await signInWithPassword(page, identity, user);
  const enrolment = await addAuthenticator(page);
  await addPasskey(page, 'Phone');
  const [credential] = await enrolment.credentials();
  await enrolment.remove();
  await signOut(page, identity);

  const flow = await authorizationRequest(page);
  await page.goto(flow.url);
  await submitPassword(page, identity, user);
  await page.waitForURL(`${identity}/Account/SecondFactor**`);
  await page.locator('#use-passkey').waitFor();
  // No app enrolled: no code form; recovery codes are always offered.
  assert.equal(await page.locator('#authenticator-code-form').count(), 0);
  assert.equal(await page.locator('#recovery-code-form').count(), 1);
  await screenshot(page, 'identity-second-factor');

  await (await addAuthenticator(page)).add(credential);
  await page.click('#use-passkey');
  const claims = await flow.redeem();
  assert.deepEqual([...claims.amr].sort(), ['hwk', 'mfa', 'pwd']);
  assert.equal(claims.acr, 'mfa');

  // Then an authenticator app too, for the account page with both.
  await page.goto(`${identity}/Account/TwoFactor`);
  await page.click('#set-up-authenticator');
  // The passkey's recovery codes stand for the app too: no new ones.
  await enrolAuthenticator(page, { newCodes: false });
  await page.waitForURL(`${identity}/Account/TwoFactor`);
  await page.locator('#authenticator').waitFor();
  assert.equal(await page.locator('#passkeys > li[data-passkey-name="Phone"]').count(), 1);
  assert.equal(await page.textContent('#recovery-codes-left'), '10');
  await screenshot(page, 'identity-two-factor');
  assert.deepEqual(page.errors, []);
});

test('an authenticator app set up from the account page: password then code signs in; a code is good once', async () => {
  const user = await registerUser(browser, 'totper');
  const page = await newPage(browser);
  await signInWithPassword(page, urls.identity, user);
  await page.click('#set-up-authenticator');
  await page.waitForURL(`${urls.identity}/Account/TwoFactor/Authenticator**`);
  assert.match(await page.getAttribute('#authenticator-qr', 'src'), /^data:image\/(png|svg\+xml);base64,/);
  assert.equal(await page.locator('#second-factor-required').count(), 0);
  await screenshot(page, 'identity-authenticator-setup');

  // A wrong code turns nothing on.
  const right = totp(await authenticatorKey(page));
  await page.fill('input[name=code]', `${right.slice(0, 5)}${(Number(right[5]) + 5) % 10}`);
  await page.click('#confirm-authenticator');
  await page.locator('#authenticator-error').waitFor();

  const { key, used } = await enrolAuthenticator(page);
  await page.click('#continue');
  await page.waitForURL(`${urls.identity}/Account/TwoFactor`);
  await page.locator('#authenticator').waitFor();
  await signOut(page, urls.identity);

  const flow = await authorizationRequest(page, urls.identity);
  await page.goto(flow.url);
  await submitPassword(page, urls.identity, user);
  await page.waitForURL(`${urls.identity}/Account/SecondFactor**`);
  assert.equal(await page.locator('#passkey-second-factor').count(), 0);

  // The code that turned the app on was used: refused here (RFC 6238 5.2), and the page says so.
  await page.fill('#code', used);
  await page.click('#authenticator-code-form button[type=submit]');
  await page.locator('#second-factor-error').waitFor();
  await page.fill('#code', freshCode(key, [used]));
  await page.click('#authenticator-code-form button[type=submit]');
  const claims = await flow.redeem();
  assert.deepEqual([...claims.amr].sort(), ['mfa', 'otp', 'pwd']);
  assert.equal(claims.acr, 'mfa');
  assert.deepEqual(page.errors, []);
});

test('an admin deleting another user\'s post in the SPA is stepped up: enrolment, then the delete is retried once', async () => {
  // Another user's post.
  const poster = await registerUser(browser, 'posted');
  const author = await newPage(browser);
  await signInToSpa(author, poster);
  const title = `Delete me with two factors ${Date.now()}`;
  await author.fill('#new-title', title);
  await author.fill('#new-content', 'An admin will remove this.');
  await author.click('#new-post button[type=submit]');
  await author.locator('#posts > li', { hasText: title }).first().waitFor();
  await author.context().close();

  // The demo admin, signed in with the password alone.
  const page = await newPage(browser);
  const deletes = [];
  page.on('response', (response) => {
    if (response.request().method() === 'DELETE' && response.url().startsWith(`${urls.board}/posts/`)) deletes.push(response);
  });
  let key;
  try {
    await signInToSpa(page, demoUser);
    const post = page.locator('#posts > li', { hasText: title }).first();
    await post.waitFor();
    const id = await post.getAttribute('data-id');

    // The SPA pushes its authorization requests (RFC 9126): what it asks for is in the pushed form, not the address.
    const stepUp = page.waitForRequest(`${urls.identity}/connect/par`);
    await post.locator('button.delete').click();
    // BoardApi asks for a recent multi-factor sign-in (RFC 9470 3), and the SPA asks the IdentityServer for one.
    const pushed = new URLSearchParams((await stepUp).postData());
    assert.equal(deletes.length, 1);
    assert.equal(deletes[0].status(), 401);
    const challenge = await deletes[0].headerValue('www-authenticate');
    // The SPA's token is DPoP-bound: the challenge is in its scheme (RFC 9449 7.1).
    assert.match(challenge, /^DPoP /);
    assert.match(challenge, /error="insufficient_user_authentication"/);
    assert.match(challenge, /acr_values="mfa"/);
    assert.match(challenge, /max_age="600"/);
    assert.equal(pushed.get('acr_values'), 'mfa');
    assert.equal(pushed.get('max_age'), '600');

    // No second factor yet: the IdentityServer takes the admin through enrolment, then back to the SPA.
    await page.waitForURL(`${urls.identity}/Account/TwoFactor/Authenticator**`);
    await page.locator('#second-factor-required').waitFor();
    assert.equal(await page.locator('#decline-second-factor').count(), 1);
    await screenshot(page, 'identity-authenticator-required');
    ({ key } = await enrolAuthenticator(page));
    // The retry is awaited itself: the post leaving the list could also be the new page still loading it.
    const retried = page.waitForResponse((response) => response.request().method() === 'DELETE'
      && response.url() === `${urls.board}/posts/${id}`);
    await page.click('#continue');
    await page.waitForURL(`${urls.spa}/**`);
    await page.waitForSelector('#board:not([hidden])');

    // Retried once after the callback, now with acr=mfa: the post is gone, for BoardApi too.
    await retried;
    await page.locator(`#posts > li[data-id="${id}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(deletes.map((response) => response.status()), [401, 204]);
    await reloadPosts(page);
    assert.equal(await page.locator(`#posts > li[data-id="${id}"]`).count(), 0);
    assert.equal(await page.isHidden('#banner'), true, await page.textContent('#banner'));
    assert.deepEqual(page.errors, []);
  } finally {
    // The demo user is shared with the files after this one, which sign in with the password alone.
    await turnOffTwoFactor(page.context(), key);
  }
});

const VIRTUAL_AUTHENTICATOR = {
  protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
  automaticPresenceSimulation: true,
};

/** A platform authenticator with user verification (a passkey provider) in this page, through CDP's WebAuthn domain. */
async function addAuthenticator(page) {
  const cdp = page.cdp ??= await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: VIRTUAL_AUTHENTICATOR });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    add: (credential) => cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
    remove: () => cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }),
  };
}

/** On the sign-in page (reached however): email and password. */
async function submitPassword(page, base, user) {
  await page.waitForURL(`${base}/Account/Login**`);
  await page.fill('#Input_Email', user.email);
  await page.fill('#Input_Password', user.password);
  await page.click('form button[type=submit]');
}

/** Signs in with the password alone (the user has no second factor yet) and opens the two-factor page. */
async function signInWithPassword(page, base, user) {
  await page.goto(`${base}/Account/Login?ReturnUrl=${encodeURIComponent('/Account/TwoFactor')}`);
  await submitPassword(page, base, user);
  await page.waitForURL(`${base}/Account/TwoFactor`);
}

/** On /Account/TwoFactor: creates a passkey in the page's authenticator under this name. */
async function addPasskey(page, name) {
  await page.fill('#passkey-name', name);
  await page.click('#add-passkey button[type=submit]');
  const outcome = page.locator('#two-factor-notice, #two-factor-error, .passkey-error').first();
  await outcome.waitFor();
  assert.equal(await outcome.textContent(), `The passkey "${name}" was added.`);
}

/** The IdentityServer's own sign-out (the account bar's link, then the confirmation). */
async function signOut(page, base) {
  await page.click('a[href="/connect/logout"]');
  await page.click('#confirm-sign-out');
  await page.waitForURL(`${base}/`);
}

async function authenticatorKey(page) {
  return (await page.textContent('#authenticator-key')).replace(/\s/g, '');
}

/**
 * On the enrolment page: types the app's current code. The first factor's recovery codes follow; a user who has some
 * already (NEW_CODES false) goes straight on.
 */
async function enrolAuthenticator(page, { newCodes = true } = {}) {
  await page.locator('#authenticator-key').waitFor();
  const key = await authenticatorKey(page);
  const used = totp(key);
  await page.fill('input[name=code]', used);
  await page.click('#confirm-authenticator');
  if (newCodes) {
    await page.locator('#continue').waitFor();
    assert.equal(await page.locator('#recovery-codes code').count(), 10);
  } else {
    await page.waitForURL((url) => url.pathname !== '/Account/TwoFactor/Authenticator');
  }
  return { key, used };
}

/**
 * Turns two-factor sign-in off for the demo user with the demo password, from this browser context (signing in
 * again if needed, with a code from KEY if one is asked for), and checks it is off.
 */
async function turnOffTwoFactor(context, key) {
  const page = await context.newPage();
  await page.goto(`${urls.identity}/Account/TwoFactor`);
  if (new URL(page.url()).pathname === '/Account/Login') {
    await submitPassword(page, urls.identity, demoUser);
    await page.waitForURL((url) => ['/Account/TwoFactor', '/Account/SecondFactor'].includes(url.pathname));
    if (new URL(page.url()).pathname === '/Account/SecondFactor') {
      await page.fill('#code', freshCode(key, []));
      await page.click('#authenticator-code-form button[type=submit]');
      await page.waitForURL(`${urls.identity}/Account/TwoFactor`);
    }
  }
  if (await page.locator('#turn-off').count() > 0) {
    await page.fill('#turn-off input[name=confirmation]', demoUser.password);
    await page.click('#turn-off button[type=submit]');
    await page.waitForURL(`${urls.identity}/Account/TwoFactor`);
  }
  await page.locator('#set-up-authenticator').waitFor();
  assert.equal(await page.locator('#turn-off').count(), 0);
  assert.equal(await page.locator('#passkeys > li').count(), 0);
  await page.close();
}

/**
 * An authorization request of the Board SPA's client (code + PKCE, RFC 7636), pushed as the SPA pushes it (RFC 9126;
 * these tests' server requires it of board-spa), for the browser to start at BASE; the code that comes back to the
 * SPA's callback is redeemed here. redeem() resolves to the ID token's claims.
 */
async function authorizationRequest(page, base = identity) {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${urls.spa}/callback`;
  const state = randomBytes(8).toString('hex');
  const push = await fetch(`${urls.identity}/connect/par`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: 'board-spa', response_type: 'code', scope: 'openid profile', redirect_uri: redirectUri, state,
      nonce: randomBytes(8).toString('hex'), code_challenge_method: 'S256',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    }),
  });
  const pushed = await push.json();
  assert.equal(push.status, 201, JSON.stringify(pushed));
  const url = `${base}/connect/authorize?${new URLSearchParams({ client_id: 'board-spa', request_uri: pushed.request_uri })}`;
  // Only watched, not intercepted (Playwright routes no request a redirect leads to): the SPA loads, finds no state of
  // its own for this response and redeems nothing.
  const called = page.waitForRequest((request) => request.url().startsWith(`${redirectUri}?`), { timeout: 60_000 });
  return {
    url,
    async redeem() {
      const returned = new URL((await called).url());
      // The browser is still on its way to the callback: let it land, so the test's next navigation is not cut off.
      await page.waitForURL((url) => url.href.startsWith(urls.spa), { waitUntil: 'load' });
      assert.equal(returned.searchParams.get('state'), state);
      const code = returned.searchParams.get('code');
      assert.ok(code, `no code: ${returned}`);
      // board-spa must bind its tokens (RequireDPoP in the browser tests' seed): a proof of a key made here.
      const response = await dpopTokenRequest(new URLSearchParams({
        grant_type: 'authorization_code', client_id: 'board-spa', code, redirect_uri: redirectUri, code_verifier: verifier,
      }));
      const tokens = await response.json();
      assert.equal(response.status, 200, JSON.stringify(tokens));
      return JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
    },
  };
}

/** RFC 6238 with the RFC 4226 defaults (HMAC-SHA1, six digits, 30-second steps); STEP moves from the current one. */
function totp(base32Key, step = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + step));
  const mac = createHmac('sha1', base32(base32Key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A code the server accepts (it takes two steps either side) that is none of USED: each code counts once. */
function freshCode(key, used) {
  for (const step of [0, 1, -1, 2]) {
    const code = totp(key, step);
    if (!used.includes(code)) return code;
  }
  throw new Error('no unused code');
}

/** RFC 4648 base32 (the key as shown, any case) to bytes. */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.toUpperCase().replace(/=+$/, '')) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  return Buffer.from(bits.match(/.{8}/g).map((byte) => Number.parseInt(byte, 2)));
}
