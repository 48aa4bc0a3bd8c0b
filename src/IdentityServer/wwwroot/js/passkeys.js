// Passkey ceremonies (WebAuthn) for the sign-in, second-factor and account pages: a form marked data-passkey="get"
// or "create" asks its page for options (POST ?handler=PasskeyOptions, with the form's antiforgery token), hands them to
// the browser, and posts the credential back in its hidden "credential" field. The server checks everything; this file
// only carries JSON between the page and the authenticator. A form marked data-conditional="true" also offers the user's
// passkeys in the username field's autofill (WebAuthn conditional mediation), where the browser supports it.
'use strict';

(() => {
  if (!window.PublicKeyCredential) {
    document.querySelectorAll('form[data-passkey]').forEach((form) => {
      form.hidden = true;
    });
    return;
  }

  let pending;

  async function options(form) {
    const url = new URL(form.action, location.href);
    url.searchParams.set('handler', 'PasskeyOptions');
    const response = await fetch(url, { method: 'POST', body: new FormData(form), credentials: 'same-origin' });
    // Sent to sign in again first (adding a passkey needs a recent sign-in): go there, as a form post would.
    const landed = new URL(response.url);
    if (response.redirected && landed.origin === location.origin && landed.pathname.endsWith('/Account/Login')) {
      location.assign(response.url);
      throw new DOMException('Signing in again first.', 'AbortError');
    }
    if (!response.ok) throw new Error(`The passkey options could not be loaded (${response.status}).`);
    return response.json();
  }

  async function ceremony(form, mediation) {
    pending?.abort();
    pending = new AbortController();
    const json = await options(form);
    const credential = form.dataset.passkey === 'create'
      ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json), signal: pending.signal })
      : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json), mediation, signal: pending.signal });
    if (!credential) return;
    form.elements.credential.value = JSON.stringify(credential);
    form.submit();
  }

  function report(form, error) {
    if (error.name === 'AbortError') return;
    let message = form.querySelector('.passkey-error');
    if (!message) {
      message = document.createElement('p');
      message.className = 'error passkey-error';
      message.setAttribute('role', 'alert');
      form.append(message);
    }
    message.textContent = error.name === 'NotAllowedError'
      ? 'The passkey request was cancelled or timed out.'
      : 'This browser could not use a passkey here.';
  }

  document.querySelectorAll('form[data-passkey]').forEach((form) => {
    form.addEventListener('submit', (event) => {
      // The credential, once there, goes to the server as an ordinary form post.
      if (form.elements.credential.value) return;
      event.preventDefault();
      ceremony(form).catch((error) => report(form, error));
    });
  });

  // Not again right after a passkey the server refused: the browser could offer the same one at once, in a loop.
  const conditional = document.querySelector('form[data-passkey="get"][data-conditional="true"]');
  if (conditional && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (available) ceremony(conditional, 'conditional').catch((error) => report(conditional, error));
    });
  }
})();
