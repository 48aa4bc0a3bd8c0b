// Pushed Authorization Requests (RFC 9126) for oidc-client-ts, which has none of its own (authts/oidc-client-ts#1376).
// A redirect navigator for UserManager: oidc-client-ts builds the authorization request as usual (state, nonce and
// the PKCE verifier stored), and this posts its parameters to the pushed authorization request endpoint instead of
// sending them through the address bar; the browser carries only client_id and the request_uri (RFC 9126 4).
// Other redirects (end-session) go as they are.

/** A refused push, shaped like oidc-client-ts's ErrorResponse (error, error_description) for the caller to show. */
class PushRefused extends Error {
  constructor(error, description) {
    super(description || error);
    this.error = error;
    this.error_description = description;
  }
}

export class PushingRedirectNavigator {
  /** settings: the ones UserManager gets (authority, client_id...), for the discovery document. */
  constructor(settings) {
    this.metadata = new oidc.MetadataService(new oidc.OidcClientSettingsStore(settings));
  }

  async prepare() {
    return {
      navigate: async ({ url }) => {
        const target = await this.pushed(url);
        // As oidc-client-ts's own navigator: settles only if the page comes back (back button, bfcache).
        return new Promise((resolve) => {
          window.addEventListener('pageshow', () => resolve(window.location.href), { once: true });
          window.location.assign(target);
        });
      },
      close: () => {},
    };
  }

  async callback() {}

  /** The authorization request pushed (a public client: client_id is in the body, RFC 9126 2.1); else url as is. */
  async pushed(url) {
    const metadata = await this.metadata.getMetadata();
    const request = new URL(url);
    const authorize = new URL(metadata.authorization_endpoint);
    if (request.origin !== authorize.origin || request.pathname !== authorize.pathname) return url;
    const endpoint = metadata.pushed_authorization_request_endpoint;
    // Never a plain request instead: a client that pushes means no parameter rides in the address bar.
    if (!endpoint) throw new PushRefused('invalid_request', 'The sign-in server does not take pushed authorization requests.');

    let response;
    try {
      // A URLSearchParams body goes as application/x-www-form-urlencoded (a CORS-simple request, no preflight).
      response = await fetch(endpoint, { method: 'POST', body: request.searchParams });
    } catch {
      throw new PushRefused('temporarily_unavailable', 'The sign-in server cannot be reached right now.');
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok || !answer.request_uri) {
      throw new PushRefused(answer.error || 'server_error',
        answer.error_description || `The sign-in server refused the sign-in request (HTTP ${response.status}).`);
    }

    authorize.search = new URLSearchParams({ client_id: request.searchParams.get('client_id'), request_uri: answer.request_uri });
    return authorize.href;
  }
}
