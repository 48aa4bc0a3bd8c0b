// DPoP (RFC 9449) for bench/run.sh's scenario 3b: a client key, a token bound to it, and proofs made ahead of a run,
// since every request needs a proof of its own (each is good once) and wrk's Lua cannot sign ES256. No npm package.
// node dpop.mjs token KEY_FILE TOKEN_URL CLIENT SECRET SCOPE [FIELD=VALUE...]
//   a new P-256 key (written to KEY_FILE as a JWK), then client_credentials with a proof and the server's nonce
//   (RFC 9449 8: the first answer is use_dpop_nonce); prints the access token, after checking it is bound (cnf.jkt).
// node dpop.mjs proofs KEY_FILE URL ACCESS_TOKEN WRK_JSON SECONDS OUT
//   proofs for GET URL with that token into OUT, one a line: 1.5 times what the requests/s of the wrk run in
//   WRK_JSON would use in SECONDS, within [1,000, 300,000] (300,000 take about 10 s to sign here).
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [command, keyFile, ...args] = process.argv.slice(2);
const b64 = (data) => Buffer.from(data).toString('base64url');

// Header and claims as DPoPProofValidator checks them (RFC 9449 4.2); ES256 signatures as r || s (RFC 7518 3.4).
function prover(privateKey) {
  const { kty, crv, x, y } = privateKey.export({ format: 'jwk' });
  const header = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }));
  return {
    // RFC 7638: the required members in lexical order; what the token's cnf.jkt must be.
    thumbprint: b64(createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest()),
    proof(claims) {
      const input = `${header}.${b64(JSON.stringify({ jti: randomUUID(), ...claims }))}`;
      return `${input}.${b64(sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }))}`;
    },
  };
}
const now = () => Math.floor(Date.now() / 1000);

if (command === 'token') {
  const [tokenUrl, client, secret, scope, ...fields] = args;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(keyFile, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600 });
  const { proof, thumbprint } = prover(privateKey);
  const body = new URLSearchParams([['grant_type', 'client_credentials'], ['scope', scope], ...fields.map((f) => f.split(/=(.*)/s, 2))]);
  const ask = (nonce) => fetch(tokenUrl, {
    method: 'POST', body,
    headers: { Authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`,
      DPoP: proof({ htm: 'POST', htu: tokenUrl, iat: now(), ...(nonce && { nonce }) }) },
  });
  let response = await ask();
  if (response.status === 400 && response.headers.has('dpop-nonce')) response = await ask(response.headers.get('dpop-nonce'));
  const answer = await response.json();
  const claims = answer.access_token && JSON.parse(Buffer.from(answer.access_token.split('.')[1], 'base64url'));
  if (!response.ok || answer.token_type !== 'DPoP' || claims?.cnf?.jkt !== thumbprint) {
    console.error(`no DPoP-bound token from ${tokenUrl}: ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
    process.exit(1);
  }
  console.log(answer.access_token);
} else if (command === 'proofs') {
  const [url, accessToken, wrkJson, seconds, out] = args;
  const wrk = JSON.parse(readFileSync(wrkJson, 'utf8'));
  const count = Math.min(300_000, Math.max(1_000, Math.ceil(1.5 * (wrk.requests / wrk.duration_us) * 1e6 * Number(seconds))));
  const { proof } = prover(createPrivateKey({ key: JSON.parse(readFileSync(keyFile, 'utf8')), format: 'jwk' }));
  const ath = b64(createHash('sha256').update(accessToken).digest());
  // iat 15 s ahead (within the 30 s skew allowed): accepted from now - 15 s to now + 105 s, through the signing
  // (seconds), wrk reading the file and a run of up to 60 s.
  const iat = now() + 15;
  const lines = Array.from({ length: count }, () => proof({ htm: 'GET', htu: url, iat, ath }));
  writeFileSync(out, `${lines.join('\n')}\n`);
  console.error(`    ${count} DPoP proofs for a run of ${seconds} s`);
} else {
  console.error('usage: node dpop.mjs token KEY_FILE TOKEN_URL CLIENT SECRET SCOPE [FIELD=VALUE...] | proofs KEY_FILE URL ACCESS_TOKEN WRK_JSON SECONDS OUT');
  process.exit(2);
}
