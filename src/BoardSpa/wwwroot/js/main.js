// Boots the Board SPA: configuration, sign-in state, and which view shows.
import * as auth from './auth.js';
import * as api from './api.js';
import * as posts from './posts.js';
import * as sessions from './sessions.js';

const $ = (id) => document.getElementById(id);
const views = ['landing', 'loading', 'board', 'sessions'];

function showView(name) {
  for (const view of views) $(view).hidden = view !== name;
}

function banner(message, kind = 'info') {
  const element = $('banner');
  element.textContent = message || '';
  element.dataset.kind = kind;
  element.hidden = !message;
}

function showTokenStatus(user) {
  const status = $('token-status');
  status.dataset.renewals = String(auth.renewalCount());
  status.dataset.expiresAt = user ? String(user.expires_at) : '';
  status.textContent = user
    ? `Signed in · access renews automatically (${auth.renewalCount()} so far, next by ${new Date(user.expires_at * 1000).toLocaleTimeString()})`
    : '';
}

async function signedIn(user) {
  $('user-name').textContent = user.profile.name || user.profile.email || 'Signed in';
  $('user-menu').hidden = false;
  showTokenStatus(user);
  showView('board');
  // The role comes with the roles scope, in the ID token; only a hint here, BoardApi decides.
  const isAdmin = [user.profile.role ?? []].flat().includes('admin');
  await posts.show(user.profile.sub, isAdmin, user.state?.stepUp);
}

function signedOut(message) {
  $('user-menu').hidden = true;
  showTokenStatus(null);
  showView('landing');
  banner(message, 'warning');
}

async function start() {
  const config = await (await fetch('/config.json')).json();
  auth.init(config);
  api.init(config);
  posts.init();
  sessions.init();

  auth.onChange((user, message) => (user ? showTokenStatus(user) : signedOut(message)));
  document.addEventListener('board:message', (event) => banner(event.detail, 'error'));
  $('sign-in').addEventListener('click', () => auth.signIn().catch((error) => banner(error.message, 'error')));
  $('sign-out').addEventListener('click', () => auth.signOut());
  $('show-sessions').addEventListener('click', async () => {
    showView('sessions');
    await sessions.show();
  });
  $('close-sessions').addEventListener('click', () => showView('board'));

  if (window.location.pathname === '/callback') {
    const { user, error } = await auth.completeSignIn();
    window.history.replaceState(null, '', '/');
    if (user) return signedIn(user);
    return signedOut(error);
  }

  const user = await auth.currentUser();
  if (user) return signedIn(user);
  try {
    if (await auth.resume()) return undefined;
  } catch (error) {
    return signedOut(error.message);
  }
  return signedOut();
}

start().catch((error) => {
  showView('landing');
  banner(`The app could not start: ${error.message}`, 'error');
});
