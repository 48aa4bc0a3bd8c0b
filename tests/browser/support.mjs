// Shared by the browser tests: the servers' addresses, Chromium, screenshots and the sign-in pages.
import { mkdir } from 'node:fs/promises';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { chromium } from 'playwright-core';

export const urls = {
  identity: process.env.IDS_URL ?? 'http://127.0.0.1:5001',
  board: process.env.BOARD_URL ?? 'http://127.0.0.1:5002',
  spa: process.env.SPA_URL ?? 'http://127.0.0.1:5173',
  thirdParty: process.env.THIRD_PARTY_URL ?? 'http://127.0.0.1:5003',
};
export const accessTokenLifetimeSeconds = Number(process.env.ACCESS_TOKEN_LIFETIME_SECONDS ?? 900);
const artifacts = process.env.ARTIFACTS ?? new URL('../../test-artifacts', import.meta.url).pathname;

export const demoUser = { email: 'demo@redisjwt.local', password: 'Demo!Passw0rd' };
export const PASSWORD = 'Browser!Passw0rd1';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

export async function launch() {
  // Debian's Chromium, never a downloaded one; --no-sandbox because CI runs as root.
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
}

/** A fresh browser profile (own cookies); page errors fail loudly through the returned list. */
export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());
  return page;
}

/** Screenshots of the current page at desktop and phone width; checks that nothing overflows sideways on a phone. */
export async function screenshot(page, name) {
  await mkdir(artifacts, { recursive: true });
  const original = page.viewportSize();
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: `${artifacts}/${name}-phone.png`, fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize(original);
  if (overflow > 0) throw new Error(`${name}: the page is ${overflow}px wider than a phone screen`);
}

export const uniqueEmail = (label) => `${label}-${randomUUID().slice(0, 8)}@example.test`;

/** On the IdentityServer's sign-in page: fill it in and submit. */
export async function submitSignIn(page, email, password) {
  await page.waitForURL(`${urls.identity}/Account/Login**`);
  await page.fill('#Input_Email', email);
  await page.fill('#Input_Password', password);
  await page.click('form button[type=submit]');
}

/** From Acme Planner's landing page (the third-party sample) to the IdentityServer's consent page, signing in on the way. */
export async function reachConsent(page, user) {
  await page.goto(urls.thirdParty);
  await page.click('#connect');
  await submitSignIn(page, user.email, user.password);
  await page.waitForSelector('#consent-scopes');
}

/** On the IdentityServer's registration page: create the account (lands on "check your inbox", signed out). */
export async function submitRegistration(page, { email, displayName, password = PASSWORD, birthDate = '1994-06-15' }) {
  await page.waitForURL(`${urls.identity}/Account/Register**`);
  await page.fill('#Input_Email', email);
  await page.fill('#Input_DisplayName', displayName);
  await page.fill('#Input_BirthDate', birthDate);
  await page.fill('#Input_Password', password);
  await page.fill('#Input_ConfirmPassword', password);
  await page.click('form button[type=submit]');
}

/** A new account, created through the UI in a throwaway browser profile. */
export async function registerUser(browser, label) {
  const page = await newPage(browser);
  const user = { email: uniqueEmail(label), displayName: `${label[0].toUpperCase()}${label.slice(1)} Tester`, password: PASSWORD };
  await page.goto(`${urls.identity}/Account/Register`);
  await submitRegistration(page, user);
  await page.waitForURL(`${urls.identity}/Account/ConfirmEmail**`);
  await page.context().close();
  return user;
}

/** Signs in to the Board SPA in this page (code + PKCE through the IdentityServer) and waits for the board. */
export async function signInToSpa(page, user) {
  await page.goto(urls.spa);
  await page.click('#sign-in');
  await submitSignIn(page, user.email, user.password);
  await page.waitForSelector('#board:not([hidden])');
}

/** Clicks the SPA's Refresh and waits until the list shows what BoardApi answered. */
export async function reloadPosts(page) {
  const loads = Number(await page.getAttribute('#posts', 'data-loads') ?? 0);
  await page.click('#reload-posts');
  await page.waitForFunction((before) => Number(document.getElementById('posts').dataset.loads ?? 0) > before, loads);
}

/**
 * A token request with a DPoP proof (RFC 9449 5) of a key made here, as a client registered with RequireDPoP must send;
 * the server's nonce (use_dpop_nonce, RFC 9449 8) is fetched by a first attempt that spends nothing.
 */
export async function dpopTokenRequest(body, key = generateKeyPairSync('ec', { namedCurve: 'P-256' })) {
  const endpoint = `${urls.identity}/connect/token`;
  let nonce;
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(endpoint, { method: 'POST', headers: { DPoP: dpopProof(key, 'POST', endpoint, { nonce }) }, body });
    nonce = response.headers.get('dpop-nonce') ?? nonce;
    if (response.status !== 400 || attempt > 1 || !nonce) return response;
    if ((await response.clone().json()).error !== 'use_dpop_nonce') return response;
  }
}

/** A DPoP proof (ES256) signed in Node with KEY: for a token (ath) or the token endpoint (nonce). */
export function dpopProof({ privateKey, publicKey }, method, url, { token, nonce } = {}) {
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = { jti: randomUUID(), htm: method, htu: url.split('?')[0], iat: Math.floor(Date.now() / 1000) };
  if (token) payload.ath = createHash('sha256').update(token).digest('base64url');
  if (nonce) payload.nonce = nonce;
  const input = `${part({ typ: 'dpop+jwt', alg: 'ES256', jwk: { crv, kty, x, y } })}.${part(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
