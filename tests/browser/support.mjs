// Shared by the browser tests: the servers' addresses, Chromium, screenshots and the sign-in pages.
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
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
