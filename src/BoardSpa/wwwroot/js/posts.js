// The board: list, create, edit and delete posts. Everything a user wrote goes in through textContent and
// input values, never as HTML, so a "<script>" in a post is just text.
import { posts as api, ApiError } from './api.js';
import { SignedOut, SignInFailed, SteppingUp } from './auth.js';

const list = document.getElementById('posts');
const empty = document.getElementById('no-posts');
const more = document.getElementById('more-posts');
const template = document.getElementById('post-template');
const form = document.getElementById('new-post');
const formError = document.getElementById('new-post-error');

let me = null;
let admin = false;
let nextCursor = null;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function init() {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    create();
  });
  more.addEventListener('click', () => load(nextCursor));
  document.getElementById('reload-posts').addEventListener('click', () => load());
}

/** stepUpAction: what a step-up sign-in was for (api.js), run once more now that the board shows. */
export async function show(userId, isAdmin, stepUpAction) {
  me = userId;
  admin = isAdmin;
  await load();
  if (stepUpAction?.sub === userId) await retry(stepUpAction);
}

async function retry(action) {
  try {
    await api.retry(action);
    // A retried delete ends like any other: the post goes from the list.
    if (action.method === 'DELETE') removePost(action.path.slice('/posts/'.length));
  } catch (error) {
    report(error);
  }
}

function removePost(id) {
  for (const item of list.children) {
    if (item.dataset.id === id) item.remove();
  }
  empty.hidden = list.children.length > 0;
}

async function load(cursor) {
  try {
    const page = await api.list(cursor);
    if (!cursor) list.replaceChildren();
    for (const post of page.items) list.append(render(post));
    nextCursor = page.nextCursor;
    more.hidden = !nextCursor;
    empty.hidden = list.children.length > 0;
    // A counter that tests (and anyone curious) can wait on: each completed load bumps it.
    list.dataset.loads = String(Number(list.dataset.loads || 0) + 1);
  } catch (error) {
    report(error);
  }
}

async function create() {
  const data = new FormData(form);
  formError.hidden = true;
  try {
    const post = await api.create({ title: data.get('title'), content: data.get('content') });
    form.reset();
    list.prepend(render(post));
    empty.hidden = true;
  } catch (error) {
    if (!report(error, formError)) return;
  }
}

function render(post) {
  const item = template.content.firstElementChild.cloneNode(true);
  fill(item, post);
  const view = item.querySelector('.post-view');
  const edit = item.querySelector('.post-edit');
  const error = edit.querySelector('.error');

  item.querySelector('.edit').addEventListener('click', () => {
    edit.elements.title.value = item.post.title;
    edit.elements.content.value = item.post.content;
    error.hidden = true;
    view.hidden = true;
    edit.hidden = false;
    edit.elements.title.focus();
  });
  edit.querySelector('.cancel').addEventListener('click', () => {
    edit.hidden = true;
    view.hidden = false;
  });
  edit.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const saved = await api.update(item.post.id, {
        title: edit.elements.title.value, content: edit.elements.content.value, version: item.post.version,
      });
      fill(item, saved);
      edit.hidden = true;
      view.hidden = false;
    } catch (failure) {
      report(failure, error);
    }
  });
  item.querySelector('.delete').addEventListener('click', async () => {
    if (!window.confirm(`Delete "${item.post.title}"?`)) return;
    try {
      await api.remove(item.post.id);
      removePost(item.post.id);
    } catch (failure) {
      report(failure);
    }
  });
  return item;
}

function fill(item, post) {
  item.post = post;
  item.dataset.id = post.id;
  item.querySelector('.post-title').textContent = post.title;
  item.querySelector('.post-content').textContent = post.content;
  item.querySelector('.post-author').textContent = post.authorName;
  const time = item.querySelector('.post-time');
  time.dateTime = post.updatedAt;
  time.textContent = when.format(new Date(post.updatedAt)) + (post.updatedAt !== post.createdAt ? ' (edited)' : '');
  // An admin may delete anyone's post (BoardApi then asks for a recent multi-factor sign-in), but edits only their own.
  const mine = post.authorId === me;
  item.querySelector('.post-actions').hidden = !mine && !admin;
  item.querySelector('.edit').hidden = !mine;
}

/** Shows the error where it belongs; false when the user is signed out (the app shows that itself). */
function report(error, target) {
  if (error instanceof SignedOut || error instanceof SteppingUp) return false;
  const message = error instanceof ApiError || error instanceof SignInFailed
    ? error.message : 'The board cannot be reached right now.';
  if (target) {
    target.textContent = message;
    target.hidden = false;
  } else {
    document.dispatchEvent(new CustomEvent('board:message', { detail: message }));
  }
  return true;
}
