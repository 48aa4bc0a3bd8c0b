// private_key_jwt (RFC 7523) with a certified client library: openid-client signs its client assertion with the
// client's own key (the one scripts/browser-tests.sh generated and seeded the public half of) and gets a
// client_credentials token; the same assertion again is a replay and refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import { urls } from './support.mjs';

// Seeded by scripts/browser-tests.sh with the public key of this private one.
const clientId = 'partner-pkjwt';
const keyPath = process.env.PRIVATE_KEY_JWT_KEY;

async function clientKey() {
  const pem = await readFile(keyPath, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const { keys: [{ kid }] } = JSON.parse(await readFile(keyPath.replace(/\.key$/, '.jwks.json'), 'utf8'));
  return { key, kid };
}

test('openid-client: private_key_jwt client_credentials token, replayed assertion refused', async () => {
  let assertion;
  // OpenIddict 7 requires the explicit type of the RFC 7523 update, which openid-client leaves out unless asked.
  const authentication = client.PrivateKeyJwt(await clientKey(), {
    [client.modifyAssertion]: (header) => { header.typ = 'client-authentication+jwt'; },
  });
  const remember = async (as, c, body, headers) => {
    await authentication(as, c, body, headers);
    assertion = body.get('client_assertion');
  };
  const config = await client.discovery(new URL(urls.identity), clientId, undefined, remember,
    { execute: [client.allowInsecureRequests] });
  assert.ok(config.serverMetadata().token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  assert.ok(!config.serverMetadata().token_endpoint_auth_methods_supported.includes('client_secret_jwt'));

  const tokens = await client.clientCredentialsGrant(config, { scope: 'posts.read' });
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url'));
  assert.equal(claims.sub, clientId);
  assert.equal(claims.scope, 'posts.read');

  const replay = await fetch(`${urls.identity}/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials', scope: 'posts.read', client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    }),
  });
  assert.equal(replay.status, 401);
  assert.equal((await replay.json()).error, 'invalid_client');
});
