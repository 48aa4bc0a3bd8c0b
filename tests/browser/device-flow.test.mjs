// The device authorization grant (RFC 8628) with a certified client library: openid-client starts the flow and polls
// as a TV or CLI would, Chromium does the user's part on another "device": the verification page, the sign-in, the
// code and the decision. The polling ends with tokens that read BoardApi, or with the user's denial.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { urls, launch, newPage, submitSignIn, registerUser, screenshot } from './support.mjs';

// Seeded by scripts/browser-tests.sh: a public client of the device grant and refresh tokens.
const clientId = 'device-rp';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function configure() {
  return client.discovery(new URL(urls.identity), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
}

/** The user opens the page the device names, signs in, types the code (in lower case, as people do) and decides. */
async function decide(url, user, { typeCode, decision }) {
  const page = await newPage(browser);
  await page.goto(url);
  await submitSignIn(page, user.email, user.password);
  await page.waitForURL(`${urls.identity}/connect/verify**`);
  if (typeCode) {
    await page.fill('#user_code', typeCode.toLowerCase());
    await page.click('#device-continue');
  }

  await page.waitForSelector('#device-decision');
  const shown = { app: await page.textContent('#device-app'), code: await page.textContent('#device-code') };
  if (decision === 'accept') {
    await screenshot(page, 'device-consent');
  }

  await page.click(decision === 'accept' ? '#allow' : '#deny');
  await page.waitForSelector(decision === 'accept' ? '#device-approved' : '#device-denied');
  await page.context().close();
  return shown;
}

test('device flow: the code typed on the verification page, approved; polling gets tokens that read BoardApi', async () => {
  const user = await registerUser(browser, 'device');
  const config = await configure();
  assert.ok(config.serverMetadata().device_authorization_endpoint.endsWith('/connect/device'));

  const device = await client.initiateDeviceAuthorization(config, { scope: 'openid email offline_access posts.read' });
  assert.match(device.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.equal(device.interval, 5);
  const polling = client.pollDeviceAuthorizationGrant(config, device);

  const shown = await decide(device.verification_uri, user, { typeCode: device.user_code, decision: 'accept' });
  assert.equal(shown.code, device.user_code);
  assert.equal(shown.app, 'Device RP (browser tests)');

  const tokens = await polling;
  assert.equal(tokens.claims().email, user.email);
  assert.ok(tokens.refresh_token);
  const posts = await client.fetchProtectedResource(config, tokens.access_token,
    new URL(`${urls.board}/posts?author=${encodeURIComponent(tokens.claims().sub)}`), 'GET');
  assert.equal(posts.status, 200);
  assert.ok(Array.isArray((await posts.json()).items));
});

test('device flow: verification_uri_complete still asks, and a denial ends the polling with access_denied', async () => {
  const user = await registerUser(browser, 'device-deny');
  const config = await configure();
  const device = await client.initiateDeviceAuthorization(config, { scope: 'openid posts.read' });
  const polling = client.pollDeviceAuthorizationGrant(config, device);

  const shown = await decide(device.verification_uri_complete, user, { decision: 'deny' });

  assert.equal(shown.code, device.user_code);
  await assert.rejects(polling, (error) => error.error === 'access_denied');
});
