// OIDC Front-Channel Logout 1.0: loads every client's front-channel logout URI in a hidden iframe, then continues to
// the post-logout redirect once all have loaded, or at the timeout, whichever is first: a hanging client delays the
// user by the timeout at most. Frames are made here, with their load listener first, so no load event is missed.
(() => {
  const list = document.getElementById('frontchannel-logout');
  const form = document.getElementById('frontchannel-done');
  if (!list || !form) return;

  const button = form.querySelector('button[type=submit]');
  let continued = false;
  const proceed = () => {
    if (continued) return;
    continued = true;
    // requestSubmit sends the button's name=value, which says the frames are done.
    form.requestSubmit(button);
  };

  const items = [...list.querySelectorAll('li[data-frame-src]')];
  let pending = items.length;
  for (const item of items) {
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.title = 'Signing out';
    frame.referrerPolicy = 'no-referrer';
    // The client's page may run its script and clear its own cookies and storage, never navigate this page away.
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin');
    frame.addEventListener('load', () => { if (--pending === 0) proceed(); }, { once: true });
    frame.src = item.dataset.frameSrc;
    item.append(frame);
  }

  if (pending === 0) proceed();
  setTimeout(proceed, Number(list.dataset.timeoutMs) || 3000);
})();
