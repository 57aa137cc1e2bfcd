// The journal: the one list of posts, which the index (/blog) and every
// post's "More from the journal" are drawn from, and the part of a post page
// that is the same on every post: the share bar, the comment form and the
// other posts. A post's own text and its comments stay in its HTML file,
// inside `<div data-post-extras>`.
import { $, h, pathId } from './dom.js';

// Newest first. `slug` is the page path /blog/<slug> (routes.json) and
// `summary` repeats the post's lede.
const posts = [
  {
    slug: 'choosing-headphones',
    title: 'How to choose headphones: a field guide',
    summary:
      'Fit first, features second, specs last. Ten years of fitting people with headphones, in a ten-minute read.',
    date: '12 March 2025',
    minutes: 10,
    image: 'choosing-headphones.svg',
  },
  {
    slug: 'noise-cancelling-explained',
    title: 'Noise cancelling, explained without the marketing',
    summary:
      'What the microphones in your headphones actually do, why planes get quieter than cafés, and what "adaptive" means.',
    date: '20 February 2025',
    minutes: 6,
    image: 'noise-cancelling.svg',
  },
  {
    slug: 'caring-for-ear-cushions',
    title: 'Five minutes a month: caring for ear cushions',
    summary:
      'Clean pads sound better and last years longer. A short routine, and when to replace them.',
    date: '28 January 2025',
    minutes: 4,
    image: 'ear-cushions.svg',
  },
];

// Two cards fill one row of the article column.
const kMorePosts = 2;

// `heading` follows the page's outline: h2 on the index, h3 under a post's
// "More from the journal".
function postCard(post, heading, withSummary) {
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'post-card card', href: '/blog/' + post.slug },
      h('img', { src: '/assets/blog/' + post.image, alt: '', width: 800, height: 400 }),
      h(
        'div',
        { class: 'card-body' },
        h('span', { class: 'post-meta' }, `${post.date} · ${post.minutes} min read`),
        h(heading, {}, post.title),
        withSummary ? h('p', {}, post.summary) : null,
      ),
    ),
  );
}

export function journalPage(main) {
  $('[data-posts]', main).replaceChildren(...posts.map((post) => postCard(post, 'h2', true)));
}

function shareBar() {
  const status = h('p', { id: 'share-status', class: 'muted share-status', role: 'status' });
  const share = async () => {
    const url = location.origin + location.pathname;
    try {
      if (navigator.share) await navigator.share({ title: document.title, url });
      else await navigator.clipboard.writeText(url);
      status.textContent = navigator.share
        ? 'Thanks for sharing!'
        : 'Link copied. Thanks for sharing!';
    } catch (_) {
      status.textContent = 'Copy this link to share: ' + url;
    }
  };
  return h(
    'div',
    { class: 'share-bar' },
    h(
      'p',
      {},
      h('strong', {}, 'Found this useful?'),
      ' Pass it on to someone shopping for headphones.',
    ),
    h(
      'button',
      { class: 'btn btn-dark', type: 'button', id: 'share', 'data-mc': 'share', onclick: share },
      'Share this guide',
    ),
    status,
  );
}

function field(id, label, control) {
  return h('div', { class: 'field field-wide' }, h('label', { for: id }, label), control);
}

function commentForm() {
  const status = h('p', { id: 'comment-status', class: 'muted comment-status', role: 'status' });
  // method=post: should this script fail mid-way, a browser submission still
  // keeps the comment out of the URL.
  const form = h(
    'form',
    { id: 'comment-form', class: 'form-card card', method: 'post' },
    h('h3', {}, 'Leave a comment'),
    h(
      'div',
      { class: 'fields' },
      field(
        'comment-name',
        'Name',
        h('input', {
          id: 'comment-name',
          name: 'name',
          type: 'text',
          autocomplete: 'name',
          required: true,
        }),
      ),
      field(
        'comment-text',
        'Comment',
        h('textarea', { id: 'comment-text', name: 'comment', required: true }),
      ),
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('span', { class: 'muted form-hint' }, 'Comments are moderated. Be kind.'),
      h(
        'button',
        { class: 'btn btn-primary', type: 'submit', id: 'comment-submit' },
        'Post comment',
      ),
    ),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Comments are not stored in this demo: thank, reset, move on.
    form.reset();
    status.textContent = 'Thanks! Your comment is waiting for moderation.';
  });
  return form;
}

function morePosts(current) {
  const others = posts.filter((post) => post.slug !== current).slice(0, kMorePosts);
  return h(
    'section',
    { class: 'section', 'aria-labelledby': 'more-posts' },
    h('h2', { id: 'more-posts' }, 'More from the journal'),
    h(
      'ul',
      { class: 'post-grid' },
      others.map((post) => postCard(post, 'h3', false)),
    ),
  );
}

// Replaces the placeholder, so the page ends as if it were all written in
// HTML: share bar, the comments with the form under them, more posts.
export function postPage(main) {
  const extras = $('[data-post-extras]', main);
  const comments = h(
    'section',
    { class: 'comments', 'aria-labelledby': 'comments-title' },
    h('h2', { id: 'comments-title' }, 'Comments'),
    ...extras.children,
    commentForm(),
  );
  extras.replaceWith(shareBar(), comments, morePosts(pathId()));
}
