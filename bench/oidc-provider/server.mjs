// The peer of bench/run.sh: oidc-provider configured like the IdentityServer for the benchmarked flows.
// - issuer http://127.0.0.1:PORT, NODE_ENV=production (set by the caller), one node process, everything in memory
//   (map-adapter.mjs, no database);
// - a confidential client with client_credentials and client_secret_basic, and a resource-server client that
//   introspects (both with the IdentityServer's bench secrets);
// - access tokens for audience board-api with scopes posts.read/posts.write, 15 minutes (as Server:AccessTokenLifetime),
//   as JWTs signed with the IdentityServer's own signing key file, so key size and algorithm match.
// oidc-provider refuses to introspect structured (JWT) tokens, so the introspection run asks for an opaque token of the
// same API through a second resource indicator; that is the only kind it can introspect.
// - for the refresh scenario, a public first-party client (APP_ID) whose refresh tokens rotate on every use, as ours
//   do: with REFRESH_TOKENS set, REFRESH_FAMILIES (256) grants of one user are minted at start (openid offline_access
//   posts.read, as a code flow would leave them: oidc-provider has no password grant) and their refresh tokens
//   written to that file, one a line, before the server listens.
// Environment: PORT, SIGNING_ALG (RS256 | PS256 | ES256), RSA_KEY, EC_KEY (PEM private keys; EC_KEY for ES256 only),
// CLIENT_ID/CLIENT_SECRET, INTROSPECTOR_ID/INTROSPECTOR_SECRET, APP_ID, REFRESH_TOKENS, REFRESH_FAMILIES.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';
import MapAdapter from './map-adapter.mjs';

const env = (name) => process.env[name] || (() => { throw new Error(`${name} is required`); })();
const port = Number(env('PORT'));
const alg = process.env.SIGNING_ALG || 'RS256';
const JWT_RESOURCE = 'urn:redisjwt:board-api';
const OPAQUE_RESOURCE = 'urn:redisjwt:board-api:opaque';
const TOKEN_TTL = 15 * 60;

const jwk = (path, kid) => ({ ...createPrivateKey(readFileSync(path)).export({ format: 'jwk' }), kid, use: 'sig' });
// The RSA key is always there: oidc-provider signs ID tokens with RS256 by default and checks that it can.
const keys = [jwk(env('RSA_KEY'), 'rsa')];
if (alg === 'ES256') keys.push(jwk(env('EC_KEY'), 'ec'));

const provider = new Provider(`http://127.0.0.1:${port}`, {
  adapter: MapAdapter,
  clients: [
    {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'posts.read posts.write',
    },
    {
      client_id: env('INTROSPECTOR_ID'),
      client_secret: env('INTROSPECTOR_SECRET'),
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: process.env.APP_ID || 'bench-app',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      scope: 'openid offline_access posts.read',
    },
  ],
  // Every refresh answers a new refresh token and consumes the old one; a consumed one presented again revokes the grant.
  rotateRefreshToken: true,
  jwks: { keys },
  scopes: ['openid', 'offline_access', 'posts.read', 'posts.write'],
  // Refresh tokens and grants live 7 days, as ours (Server:RefreshTokenLifetime).
  ttl: { AccessToken: TOKEN_TTL, ClientCredentials: TOKEN_TTL, IdToken: TOKEN_TTL, RefreshToken: 7 * 24 * 3600, Grant: 7 * 24 * 3600 },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource parameter (the benchmark's token request has none, like ours): the JWT API.
      defaultResource: () => JWT_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== JWT_RESOURCE && resource !== OPAQUE_RESOURCE) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'posts.read posts.write',
          audience: 'board-api',
          accessTokenTTL: TOKEN_TTL,
          ...(resource === JWT_RESOURCE
            ? { accessTokenFormat: 'jwt', jwt: { sign: { alg } } }
            : { accessTokenFormat: 'opaque' }),
        };
      },
    },
  },
});

// Failures must show up in the run's log, not vanish.
provider.on('server_error', (ctx, error) => console.error('server_error', error));
if (process.env.REFRESH_TOKENS) {
  const clientId = process.env.APP_ID || 'bench-app';
  const client = await provider.Client.find(clientId);
  const lines = [];
  for (let i = 0; i < Number(process.env.REFRESH_FAMILIES || 256); i++) {
    const grant = new provider.Grant({ accountId: 'bench-user', clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(JWT_RESOURCE, 'posts.read');
    const grantId = await grant.save();
    const refreshToken = new provider.RefreshToken({
      accountId: 'bench-user', client, grantId, gty: 'authorization_code', scope: 'openid offline_access posts.read',
      resource: JWT_RESOURCE, authTime: Math.floor(Date.now() / 1000),
    });
    lines.push(await refreshToken.save());
  }
  writeFileSync(process.env.REFRESH_TOKENS, `${lines.join('\n')}\n`);
}

provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider ${alg} on ${provider.issuer}`));
