// The third-party sample (a confidential client with explicit consent) in a real browser: consent granted,
// consent denied, and access withdrawn from the account page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { urls, launch, newPage, screenshot, registerUser, reachConsent } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('consent granted: the app signs the user in and reads and writes posts on their behalf', async () => {
  const user = await registerUser(browser, 'consenter');
  const page = await newPage(browser);
  await page.goto(urls.thirdParty);
  await screenshot(page, 'third-party-landing');
  await reachConsent(page, user);
  assert.match(await page.textContent('#consent-app'), /Third-party demo integration/);
  assert.match(await page.textContent('#consent-scopes'), /posts\.write/);
  await screenshot(page, 'identity-consent');

  await page.click('#allow');
  await page.waitForURL(`${urls.thirdParty}/**`);
  await page.waitForSelector('#user-name');
  assert.equal(await page.textContent('#user-name'), user.displayName);

  const title = `Planned with Acme ${Date.now()}`;
  await page.fill('#title', title);
  await page.fill('#content', 'Created by a third-party app, for its user.');
  await page.click('#new-post button[type=submit]');
  await page.waitForSelector('#created');
  await page.locator('#posts > li', { hasText: title }).waitFor();
  await screenshot(page, 'third-party-board');

  // Remembered: connecting again (a fresh app session, the same IdentityServer session) asks nothing.
  const again = await newPage(browser);
  const identityCookies = (await page.context().cookies(urls.identity)).filter((cookie) => cookie.name === 'redisjwt.identity');
  assert.ok(identityCookies.length > 0);
  await again.context().addCookies(identityCookies);
  await again.goto(urls.thirdParty);
  await again.click('#connect');
  await again.waitForSelector('#user-name');
  await again.context().close();

  // Withdrawn from the account page: the app's tokens die with the consent.
  const account = await page.context().newPage();
  await account.goto(`${urls.identity}/Account/Apps`);
  await account.locator('#apps > li[data-app="Third-party demo integration"]').waitFor();
  await screenshot(account, 'identity-connected-apps');
  await account.click('#apps button.danger');
  await account.waitForSelector('#no-apps');
  await account.close();

  // Withdrawing consent also sends the planner a back-channel logout for the session: when it arrived first, the
  // planner asks to connect again (the consent page, since nothing is remembered); otherwise the Board refuses its
  // tokens and it says the connection ended.
  await page.goto(`${urls.thirdParty}/Board`);
  await page.waitForSelector('#ended, #consent-scopes');
  assert.deepEqual(page.errors, []);
});

test('consent denied: the app is told access_denied and says so', async () => {
  const user = await registerUser(browser, 'decliner');
  const page = await newPage(browser);
  await reachConsent(page, user);

  await page.click('#deny');
  await page.waitForURL(`${urls.thirdParty}/**`);
  await page.waitForSelector('#declined');
  await screenshot(page, 'third-party-declined');

  // Nothing was remembered: the next attempt asks again.
  await page.click('#connect');
  await page.waitForSelector('#consent-scopes');
});
