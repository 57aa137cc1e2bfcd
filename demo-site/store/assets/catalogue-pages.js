// The catalogue pages: department, category and product, plus the product
// cards used on any page (`<ul data-products="id id ...">`). Card links and
// key elements carry ids so that heatmaps and frustration reports can name
// them (`a#product-aurora-x2`, `img#gallery-main`) without reading any text.
import {
  categories,
  departments,
  kFreeShippingFrom,
  productById,
  productImage,
  products,
  productsIn,
  reviewsOf,
} from './catalogue.js';
import { h, money, pathId } from './dom.js';
import { addToCart } from './state.js';

function stars(rating) {
  return h(
    'span',
    { class: 'stars', style: `--fill: ${(rating / 5) * 100}%`, 'aria-hidden': 'true' },
    '★★★★★',
  );
}

function rating(product, withCount = true) {
  return h(
    'span',
    { class: 'rating' },
    stars(product.rating),
    h('span', { class: 'visually-hidden' }, `Rated ${product.rating} out of 5`),
    h('span', { 'aria-hidden': 'true' }, String(product.rating)),
    withCount
      ? h('span', { class: 'count' }, `(${product.reviewCount.toLocaleString('en-US')})`)
      : null,
  );
}

function productCard(product) {
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'product-card', id: 'product-' + product.id, href: '/product/' + product.id },
      h('img', { src: productImage(product), alt: '', width: 480, height: 480, loading: 'lazy' }),
      product.badge
        ? h('span', { class: product.badge === 'New' ? 'badge badge-new' : 'badge' }, product.badge)
        : null,
      h(
        'div',
        { class: 'card-body' },
        h('h3', {}, product.name),
        h('span', { class: 'card-kind' }, product.kind),
        h(
          'div',
          { class: 'card-foot' },
          rating(product),
          h('span', { class: 'price' }, money(product.price)),
        ),
      ),
    ),
  );
}

export function fillProductLists() {
  for (const list of document.querySelectorAll('[data-products]')) {
    const ids = list.dataset.products.split(/\s+/);
    list.replaceChildren(...ids.map(productById).filter(Boolean).map(productCard));
  }
}

function breadcrumbs(trail) {
  return h(
    'nav',
    { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
    h(
      'ol',
      {},
      trail.map(([text, href], i) =>
        h(
          'li',
          {},
          i === trail.length - 1
            ? h('span', { 'aria-current': 'page' }, text)
            : h('a', { href }, text),
        ),
      ),
    ),
  );
}

function departmentOf(categoryId) {
  return departments.find((d) => d.categories.includes(categoryId)) || departments[0];
}

export function notFound(main, title, text) {
  document.title = 'Not found · Sonora Audio';
  main.replaceChildren(
    h(
      'div',
      { class: 'container' },
      h(
        'div',
        { class: 'card empty-state', style: 'margin-top:32px' },
        h('img', { src: '/assets/products/pulse-mini.svg', alt: '' }),
        h('h1', {}, title),
        h('p', { class: 'muted' }, text),
        h(
          'p',
          {},
          h('a', { class: 'btn btn-dark', href: '/category/headphones' }, 'Browse headphones'),
          ' ',
          h('a', { class: 'btn btn-ghost', href: '/' }, 'Back to the home page'),
        ),
      ),
    ),
  );
}

export function departmentPage(main) {
  const department = departments.find((d) => d.id === pathId());
  if (!department) {
    notFound(
      main,
      'We could not find that department',
      'It may have moved. Our departments are Electronics, Home audio and Accessories.',
    );
    return;
  }
  document.title = department.name + ' · Sonora Audio';
  const tile = (id) => {
    const category = categories[id];
    const count = productsIn(id).length;
    return h(
      'li',
      {},
      h(
        'a',
        { class: 'tile', id: 'cat-' + id, href: '/category/' + id },
        category.image
          ? h('img', {
              src: '/assets/products/' + category.image + '.svg',
              alt: '',
              width: 480,
              height: 300,
            })
          : h('div', { class: 'tile-empty' }, 'Coming soon'),
        h(
          'div',
          { class: 'tile-body' },
          h('h3', {}, category.name),
          h(
            'p',
            {},
            count
              ? `${count} ${count === 1 ? 'product' : 'products'} · ${category.blurb}`
              : category.blurb,
          ),
        ),
      ),
    );
  };
  main.replaceChildren(
    h(
      'div',
      { class: 'container' },
      breadcrumbs([
        ['Home', '/'],
        [department.name, ''],
      ]),
      h(
        'header',
        { class: 'page-head' },
        h('h1', {}, department.name),
        h('p', {}, department.blurb),
      ),
      h('h2', { class: 'visually-hidden' }, 'Categories'),
      h(
        'ul',
        { class: 'tiles', style: 'list-style:none;margin:0;padding:0' },
        department.categories.map(tile),
      ),
      h(
        'section',
        { class: 'section' },
        h(
          'div',
          { class: 'promo' },
          h(
            'div',
            {},
            h('p', { class: 'eyebrow' }, 'From the journal'),
            h('h2', {}, 'Not sure which pair is yours?'),
            h(
              'p',
              {},
              'Our field guide walks you through fit, noise cancelling, battery life and sound, in ten minutes.',
            ),
            h(
              'a',
              { class: 'btn btn-primary', href: '/blog/choosing-headphones' },
              'Read the guide',
            ),
          ),
          h('img', {
            src: '/assets/blog/choosing-headphones.svg',
            alt: '',
            width: 800,
            height: 400,
          }),
        ),
      ),
    ),
  );
}

const kPromises = [
  [
    'Tuned by ear',
    'Every model is voiced by our acoustics team in Lisbon, then checked against lab measurements.',
  ],
  [
    'Tested for a year',
    'Forty people wore each prototype every day for twelve months before we signed it off.',
  ],
  [
    'Built to be repaired',
    'Cushions, cables and batteries unscrew. Spare parts stay in stock for seven years.',
  ],
];

const kSorts = {
  featured: () => 0,
  'price-asc': (a, b) => a.price - b.price,
  'price-desc': (a, b) => b.price - a.price,
  rating: (a, b) => b.rating - a.rating,
};

export function categoryPage(main) {
  const id = pathId();
  const category = categories[id];
  if (!category) {
    notFound(
      main,
      'We could not find that category',
      'Try the headphones: that is where most of our customers start.',
    );
    return;
  }
  document.title = category.name + ' · Sonora Audio';
  const department = departmentOf(id);
  const items = productsIn(id);
  const grid = h('ul', { class: 'product-grid', id: 'product-grid' });
  const sort = h(
    'select',
    { id: 'sort' },
    h('option', { value: 'featured' }, 'Featured'),
    h('option', { value: 'price-asc' }, 'Price: low to high'),
    h('option', { value: 'price-desc' }, 'Price: high to low'),
    h('option', { value: 'rating' }, 'Best rated'),
  );
  const showSorted = () =>
    grid.replaceChildren(
      ...[...items].sort(kSorts[sort.value] || kSorts.featured).map(productCard),
    );
  sort.addEventListener('change', showSorted);
  showSorted();
  const filters = h(
    'aside',
    { class: 'filters card', 'aria-label': 'Categories' },
    h('h2', {}, department.name),
    h(
      'ul',
      {},
      department.categories.map((c) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: '/category/' + c, 'aria-current': c === id ? 'page' : null },
            h('span', {}, categories[c].name),
            h('span', {}, String(productsIn(c).length)),
          ),
        ),
      ),
    ),
    h('h2', {}, 'Need advice?'),
    h(
      'p',
      { class: 'muted', style: 'font-size:.92rem' },
      'Read our ',
      h('a', { href: '/blog/choosing-headphones' }, 'guide to choosing headphones'),
      '.',
    ),
  );
  main.replaceChildren(
    h(
      'div',
      { class: 'container' },
      breadcrumbs([
        ['Home', '/'],
        [department.name, '/department/' + department.id],
        [category.name, ''],
      ]),
      h('header', { class: 'page-head' }, h('h1', {}, category.name), h('p', {}, category.blurb)),
      h(
        'div',
        { class: 'listing' },
        filters,
        h(
          'section',
          { 'aria-label': 'Products' },
          items.length
            ? h(
                'div',
                { class: 'listing-bar' },
                h('span', {}, `${items.length} ${items.length === 1 ? 'product' : 'products'}`),
                h('span', { class: 'sort' }, h('label', { for: 'sort' }, 'Sort by'), sort),
              )
            : h(
                'div',
                { class: 'card empty-state' },
                h('h2', {}, 'Arriving this spring'),
                h(
                  'p',
                  { class: 'muted' },
                  'Subscribe to the newsletter below and we will tell you the day they land.',
                ),
              ),
          grid,
        ),
      ),
    ),
  );
}

export function productPage(main) {
  const product = productById(pathId());
  if (!product) {
    notFound(
      main,
      'We could not find that product',
      'It may be sold out or the link may be mistyped.',
    );
    return;
  }
  document.title = product.name + ' · Sonora Audio';
  const category = categories[product.category];
  const department = departmentOf(product.category);
  const added = h('div', { id: 'added', class: 'notice', role: 'status', hidden: true });
  const addButton = h(
    'button',
    { type: 'button', id: 'add-to-cart', class: 'btn btn-primary', 'data-mc': 'add-to-cart' },
    'Add to cart',
  );
  addButton.addEventListener('click', () => {
    addToCart(product.id);
    added.hidden = false;
    added.replaceChildren(
      `✓ ${product.name} is in your cart. `,
      h('a', { id: 'to-cart', href: '/cart' }, 'View cart and check out'),
    );
  });
  const wish = h(
    'button',
    { type: 'button', id: 'wishlist', class: 'btn btn-ghost', 'aria-pressed': 'false' },
    '♡ Wishlist',
  );
  wish.addEventListener('click', () => {
    const on = wish.getAttribute('aria-pressed') !== 'true';
    wish.setAttribute('aria-pressed', String(on));
    wish.textContent = on ? '♥ Saved' : '♡ Wishlist';
    // A custom micro-conversion (demo.json: kind "custom", event "wishlist").
    if (on) window.microconv('track', 'wishlist');
  });
  const reviews = reviewsOf(product);
  const histogram = [
    [5, 0.68],
    [4, 0.21],
    [3, 0.07],
    [2, 0.02],
    [1, 0.02],
  ];
  main.replaceChildren(
    h(
      'div',
      { class: 'container' },
      breadcrumbs([
        ['Home', '/'],
        [department.name, '/department/' + department.id],
        [category.name, '/category/' + product.category],
        [product.name, ''],
      ]),
      h(
        'section',
        { class: 'product-hero' },
        h(
          'div',
          {},
          h(
            'div',
            { class: 'gallery' },
            // Looks zoomable, does nothing: the demo's realistic dead click.
            h('img', {
              id: 'gallery-main',
              src: productImage(product),
              alt: `${product.name} in ${product.colour.toLowerCase()}`,
              width: 480,
              height: 480,
            }),
            h('span', { class: 'zoom-hint', 'aria-hidden': 'true' }, '⤢ Click to zoom'),
          ),
        ),
        h(
          'div',
          { class: 'buy-box' },
          h('p', { class: 'eyebrow' }, product.kind),
          h('h1', {}, product.name),
          h(
            'a',
            { href: '#reviews', class: 'rating', style: 'text-decoration:none' },
            rating(product, false),
            h('span', {}, `${product.reviewCount.toLocaleString('en-US')} reviews`),
          ),
          h('span', { class: 'price' }, money(product.price)),
          h(
            'p',
            { class: 'price-note' },
            product.price >= kFreeShippingFrom
              ? 'Free shipping · In stock, ships tomorrow'
              : 'In stock, ships tomorrow',
          ),
          h('p', { class: 'lede' }, product.lede),
          h(
            'p',
            { class: 'colour' },
            h('span', { class: 'colour-dot', style: `background:${product.swatch}` }),
            'Colour: ',
            h('strong', {}, product.colour),
          ),
          h(
            'ul',
            { class: 'highlights' },
            product.highlights.map((text) => h('li', {}, text)),
          ),
          h('div', { class: 'buy-actions' }, addButton, wish),
          added,
          h(
            'ul',
            { class: 'assurances' },
            h(
              'li',
              {},
              h('strong', {}, 'Free shipping'),
              ` on orders over ${money(kFreeShippingFrom)}`,
            ),
            h('li', {}, h('strong', {}, '30-day returns'), ', no questions asked'),
            h('li', {}, h('strong', {}, '2-year warranty'), ' and spare parts for 7 years'),
          ),
        ),
      ),
      h(
        'section',
        { class: 'section', 'aria-labelledby': 'why-title' },
        h('h2', { id: 'why-title' }, 'Made the Sonora way'),
        h(
          'div',
          { class: 'features' },
          kPromises.map(([title, text]) =>
            h('div', { class: 'feature card' }, h('h3', {}, title), h('p', {}, text)),
          ),
        ),
      ),
      h(
        'section',
        { class: 'section', 'aria-labelledby': 'film-title' },
        h(
          'div',
          { class: 'film' },
          h(
            'div',
            {},
            h('p', { class: 'eyebrow', style: 'color:#ffb79e' }, 'Watch'),
            h('h2', { id: 'film-title' }, 'The Sonora sound in 12 seconds'),
            h(
              'p',
              {},
              'Noise cancelling, battery and comfort in one short film. No sound needed: the captions tell the story.',
            ),
          ),
          h(
            'video',
            {
              id: 'product-video',
              controls: true,
              playsinline: true,
              preload: 'metadata',
              poster: '/assets/product-film-poster.svg',
              src: '/assets/product-film.webm',
            },
            'Your browser cannot play this video.',
          ),
        ),
      ),
      h(
        'section',
        { class: 'section', 'aria-labelledby': 'specs-title' },
        h('h2', { id: 'specs-title' }, 'Specifications'),
        h(
          'table',
          { class: 'specs' },
          h(
            'tbody',
            {},
            product.specs.map(([name, value]) =>
              h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, value)),
            ),
          ),
        ),
      ),
      h(
        'section',
        { class: 'section', id: 'reviews', 'aria-labelledby': 'reviews-title' },
        h('h2', { id: 'reviews-title' }, 'Customer reviews'),
        h(
          'div',
          { class: 'reviews-layout' },
          h(
            'div',
            { class: 'review-score card' },
            h('div', { class: 'big' }, String(product.rating)),
            stars(product.rating),
            h('span', { class: 'visually-hidden' }, 'out of 5'),
            h(
              'p',
              { class: 'muted', style: 'margin:6px 0 0' },
              `${product.reviewCount.toLocaleString('en-US')} verified reviews`,
            ),
            h(
              'ul',
              { class: 'histogram' },
              histogram.map(([n, share]) =>
                h(
                  'li',
                  {},
                  h('span', {}, `${n} star`),
                  h('span', { class: 'bar' }, h('span', { style: `width:${share * 100}%` })),
                  h('span', {}, `${Math.round(share * 100)}%`),
                ),
              ),
            ),
          ),
          h(
            'ul',
            { class: 'review-list' },
            reviews.map((review) =>
              h(
                'li',
                { class: 'review card' },
                h(
                  'span',
                  { class: 'rating' },
                  stars(review.stars),
                  h('span', { class: 'visually-hidden' }, `${review.stars} out of 5 stars`),
                ),
                h('h3', {}, review.title),
                h('p', {}, review.text),
                h('footer', {}, `${review.author} · Verified buyer`),
              ),
            ),
          ),
        ),
      ),
      h(
        'section',
        { class: 'section', 'aria-labelledby': 'more-title' },
        h('h2', { id: 'more-title' }, 'You may also like'),
        h(
          'ul',
          { class: 'product-grid' },
          products
            .filter((p) => p.category === product.category && p.id !== product.id)
            .slice(0, 4)
            .map(productCard),
        ),
      ),
    ),
  );
}
