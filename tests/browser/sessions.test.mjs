// "Log out everywhere" from one browser ends the session in another, at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { urls, launch, newPage, screenshot, registerUser, signInToSpa } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('log out everywhere in one browser context ends the session in another', async () => {
  const user = await registerUser(browser, 'roamer');
  const laptop = await newPage(browser);
  const phone = await newPage(browser);
  await signInToSpa(laptop, user);
  await signInToSpa(phone, user);

  // Two: these two (registering signs nobody in).
  await laptop.click('#show-sessions');
  await laptop.locator('#session-list > li').nth(1).waitFor();
  assert.equal(await laptop.locator('#session-list > li').count(), 2);
  assert.equal(await laptop.locator('#session-list > li .badge').count(), 1);
  await screenshot(laptop, 'spa-sessions');

  // Also visible on the IdentityServer's own account page.
  const account = await laptop.context().newPage();
  await account.goto(`${urls.identity}/Account/Security`);
  assert.equal(await account.locator('#sessions > li').count(), 2);
  await screenshot(account, 'identity-sessions');
  await account.close();

  await laptop.click('#log-out-everywhere');
  await laptop.waitForSelector('#landing:not([hidden])');
  assert.match(await laptop.textContent('#banner'), /signed out everywhere/);

  // The other browser learns it on its next request: its tokens and refresh token are dead.
  await phone.click('#reload-posts');
  await phone.waitForSelector('#landing:not([hidden])');
  assert.match(await phone.textContent('#banner'), /session has ended/);
  // Its IdentityServer session is over too: signing in asks for the password.
  await phone.click('#sign-in');
  await phone.waitForURL(`${urls.identity}/Account/Login**`);
  assert.deepEqual([...laptop.errors, ...phone.errors], []);
});
