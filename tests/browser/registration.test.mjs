// Registration through the IdentityServer's UI, starting from the SPA's sign-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { urls, launch, newPage, screenshot, submitRegistration, submitSignIn, uniqueEmail } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a new user registers from the sign-in page, is told to check the inbox, signs in and lands in the SPA', async () => {
  const page = await newPage(browser);
  await page.goto(urls.spa);
  await page.click('#sign-in');
  await page.waitForURL(`${urls.identity}/Account/Login**`);
  await page.click('a[href*="/Account/Register"]');
  await page.waitForURL(`${urls.identity}/Account/Register**`);
  await screenshot(page, 'identity-register');

  // A mismatched confirmation is refused on the page, with the field named.
  const email = uniqueEmail('newcomer');
  await page.fill('#Input_Email', email);
  await page.fill('#Input_DisplayName', 'New Comer');
  await page.fill('#Input_BirthDate', '1991-02-03');
  await page.fill('#Input_Password', 'Browser!Passw0rd1');
  await page.fill('#Input_ConfirmPassword', 'Different!Passw0rd1');
  await page.click('form button[type=submit]');
  await page.locator('[data-valmsg-for="Input.ConfirmPassword"]', { hasText: 'do not match' }).waitFor();
  await screenshot(page, 'identity-register-error');

  await submitRegistration(page, { email, displayName: 'New Comer', password: 'Browser!Passw0rd1', birthDate: '1991-02-03' });
  // The same page whether or not the address had an account: registering signs nobody in.
  await page.waitForURL(`${urls.identity}/Account/ConfirmEmail**`);
  await page.waitForSelector('#check-inbox');
  await screenshot(page, 'identity-check-inbox');
  await page.click('#sign-in');
  await submitSignIn(page, email, 'Browser!Passw0rd1');
  await page.waitForURL(`${urls.spa}/`);
  await page.waitForSelector('#board:not([hidden])');
  assert.equal(await page.textContent('#user-name'), 'New Comer');
  assert.deepEqual(page.errors, []);
});
