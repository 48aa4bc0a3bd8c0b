// The user's sessions (from the IdentityServer's /auth/sessions) and "log out everywhere".
import { sessions as api } from './api.js';
import { endLocally, SignedOut } from './auth.js';

const list = document.getElementById('session-list');
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function init() {
  document.getElementById('log-out-everywhere').addEventListener('click', logOutEverywhere);
}

export async function show() {
  list.replaceChildren();
  try {
    for (const session of await api.list()) list.append(render(session));
  } catch (error) {
    if (!(error instanceof SignedOut)) document.dispatchEvent(new CustomEvent('board:message', { detail: error.message }));
  }
}

function render(session) {
  const item = document.createElement('li');
  item.className = 'card';
  item.dataset.sid = session.sid;
  const title = document.createElement('strong');
  title.textContent = device(session.userAgent);
  item.append(title);
  if (session.current) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'This app';
    item.append(' ', badge);
  }
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `Signed in ${when.format(new Date(session.createdAt))}`
    + (session.ipAddress ? ` · ${session.ipAddress}` : '')
    + (session.clients.length ? ` · ${session.clients.join(', ')}` : '');
  item.append(meta);
  return item;
}

function device(agent) {
  if (!agent) return 'Unknown device';
  const browser = /Edg\//.test(agent) ? 'Edge' : /Chrome\//.test(agent) ? 'Chrome' : /Firefox\//.test(agent) ? 'Firefox'
    : /Safari\//.test(agent) ? 'Safari' : agent.split('/')[0];
  const platform = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Windows/.test(agent) ? 'Windows'
    : /Mac OS/.test(agent) ? 'macOS' : /Linux/.test(agent) ? 'Linux' : '';
  return platform ? `${browser} on ${platform}` : browser;
}

async function logOutEverywhere() {
  if (!window.confirm('Sign out of every device and app, including this one?')) return;
  try {
    await api.endAll();
    await endLocally('You have been signed out everywhere.');
  } catch (error) {
    if (!(error instanceof SignedOut)) document.dispatchEvent(new CustomEvent('board:message', { detail: error.message }));
  }
}
