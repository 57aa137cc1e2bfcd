// The store's catalogue: departments, categories and products. Product ids are
// part of the demo's contract (the traffic simulator and the e2e tests use
// aurora-x2, nimbus-pro, pulse-mini and studio-one).

export const departments = [
  {
    id: 'electronics',
    name: 'Electronics',
    blurb: 'Headphones, earbuds and speakers, tuned in our Lisbon studio.',
    categories: ['headphones', 'earbuds', 'speakers'],
  },
  {
    id: 'home-audio',
    name: 'Home audio',
    blurb: 'Room-filling sound for the living room, the kitchen and the garden.',
    categories: ['speakers', 'turntables'],
  },
  {
    id: 'accessories',
    name: 'Accessories',
    blurb: 'Cases, stands and spare parts that keep your gear going for years.',
    categories: ['cases-stands'],
  },
];

export const categories = {
  headphones: {
    name: 'Headphones',
    blurb: 'Over-ear and on-ear, wireless and wired.',
    image: 'aurora-x2',
  },
  earbuds: { name: 'Earbuds', blurb: 'True wireless, pocket sized.', image: 'drift-buds' },
  speakers: { name: 'Speakers', blurb: 'Portable and home speakers.', image: 'atlas-speaker' },
  turntables: { name: 'Turntables', blurb: 'Arriving this spring.', image: null },
  'cases-stands': {
    name: 'Cases & stands',
    blurb: 'Protect and show off your headphones.',
    image: 'travel-case',
  },
};

export const products = [
  {
    id: 'aurora-x2',
    category: 'headphones',
    name: 'Aurora X2',
    kind: 'Wireless · Noise cancelling',
    price: 149,
    rating: 4.6,
    reviewCount: 1284,
    colour: 'Midnight blue',
    swatch: '#27336b',
    badge: 'Bestseller',
    lede: 'Our best-loved everyday headphones: adaptive noise cancelling, 40 hours of battery and cushions you forget you are wearing.',
    highlights: [
      'Adaptive noise cancelling',
      '40 h battery, 10 min charge = 5 h',
      'Multipoint Bluetooth 5.3',
      '262 g',
    ],
    specs: [
      ['Driver', '40 mm dynamic, bio-cellulose'],
      ['Frequency response', '10 Hz – 22 kHz'],
      ['Battery', '40 h (ANC on), USB-C fast charge'],
      ['Codecs', 'SBC, AAC, LDAC'],
      ['Weight', '262 g'],
      ['In the box', 'Soft case, USB-C cable, 3.5 mm cable'],
    ],
  },
  {
    id: 'nimbus-pro',
    category: 'headphones',
    name: 'Nimbus Pro',
    kind: 'Wireless · Studio-grade ANC',
    price: 299,
    rating: 4.8,
    reviewCount: 642,
    colour: 'Cloud white',
    swatch: '#e6e2da',
    badge: 'New',
    lede: 'Eight microphones, a memory-foam headband and a sound stage that feels like a good room. Our flagship.',
    highlights: [
      'Eight-mic adaptive ANC',
      'Spatial audio with head tracking',
      '30 h battery',
      'Memory-foam headband',
    ],
    specs: [
      ['Driver', '45 mm beryllium-coated'],
      ['Frequency response', '4 Hz – 40 kHz'],
      ['Battery', '30 h (ANC on)'],
      ['Codecs', 'SBC, AAC, LDAC, aptX Adaptive'],
      ['Weight', '289 g'],
      ['In the box', 'Hard case, USB-C cable, flight adapter'],
    ],
  },
  {
    id: 'pulse-mini',
    category: 'headphones',
    name: 'Pulse Mini',
    kind: 'Wireless · On-ear',
    price: 79,
    rating: 4.3,
    reviewCount: 2031,
    colour: 'Coral',
    swatch: '#f0674f',
    badge: null,
    lede: 'Light, foldable on-ears for the commute and the gym. Sweat resistant, and loud enough for the bus.',
    highlights: ['Folds flat', 'IPX4 sweat resistant', '50 h battery', '148 g'],
    specs: [
      ['Driver', '32 mm dynamic'],
      ['Frequency response', '20 Hz – 20 kHz'],
      ['Battery', '50 h'],
      ['Codecs', 'SBC, AAC'],
      ['Weight', '148 g'],
      ['In the box', 'Pouch, USB-C cable'],
    ],
  },
  {
    id: 'studio-one',
    category: 'headphones',
    name: 'Studio One',
    kind: 'Wired · Reference monitor',
    price: 199,
    rating: 4.7,
    reviewCount: 418,
    colour: 'Graphite',
    swatch: '#2b2d31',
    badge: null,
    lede: 'Flat, honest reference headphones for mixing and for listening the way the artist heard it. Replaceable everything.',
    highlights: [
      'Neutral studio tuning',
      'Detachable cables (3 m coiled + 1.2 m)',
      'User-replaceable pads',
      '32 Ω, easy to drive',
    ],
    specs: [
      ['Driver', '50 mm, neodymium'],
      ['Frequency response', '5 Hz – 35 kHz'],
      ['Impedance', '32 Ω'],
      ['Connection', '3.5 mm with 6.35 mm adapter'],
      ['Weight', '310 g'],
      ['In the box', 'Two cables, adapter, spare pads'],
    ],
  },
  {
    id: 'drift-buds',
    category: 'earbuds',
    name: 'Drift Buds',
    kind: 'True wireless · ANC',
    price: 99,
    rating: 4.4,
    reviewCount: 957,
    colour: 'Sage',
    swatch: '#8fa88a',
    badge: null,
    lede: 'Small, secure and quietly clever: noise cancelling in a case that fits the coin pocket.',
    highlights: ['Noise cancelling', '8 h + 24 h in the case', 'Wireless charging', 'IPX5'],
    specs: [
      ['Driver', '11 mm dynamic'],
      ['Battery', '8 h buds, 32 h with case'],
      ['Codecs', 'SBC, AAC'],
      ['Weight', '5 g per bud'],
      ['In the box', 'Charging case, 4 ear tip sizes, USB-C cable'],
    ],
  },
  {
    id: 'atlas-speaker',
    category: 'speakers',
    name: 'Atlas Speaker',
    kind: 'Home speaker · Wi-Fi & Bluetooth',
    price: 179,
    rating: 4.5,
    reviewCount: 311,
    colour: 'Sand',
    swatch: '#cdbb9c',
    badge: null,
    lede: 'A room-filling speaker in a wool-blend jacket. Pair two for stereo.',
    highlights: ['360° sound', 'Stereo pairing', 'Wi-Fi and Bluetooth', 'Room calibration'],
    specs: [
      ['Drivers', '1 woofer, 3 tweeters'],
      ['Connection', 'Wi-Fi 6, Bluetooth 5.3, line in'],
      ['Size', '21 × 12 cm'],
      ['Weight', '1.9 kg'],
    ],
  },
  {
    id: 'pebble-go',
    category: 'speakers',
    name: 'Pebble Go',
    kind: 'Portable speaker',
    price: 59,
    rating: 4.2,
    reviewCount: 1540,
    colour: 'Ocean',
    swatch: '#2f7f8f',
    badge: null,
    lede: 'Clips to a bag, floats in the pool, plays for 16 hours.',
    highlights: ['Waterproof (IP67), floats', '16 h battery', 'Carabiner strap', '420 g'],
    specs: [
      ['Driver', '45 mm full range + passive radiator'],
      ['Battery', '16 h'],
      ['Weight', '420 g'],
    ],
  },
  {
    id: 'travel-case',
    category: 'cases-stands',
    name: 'Travel Case',
    kind: 'Hard shell case',
    price: 29,
    rating: 4.6,
    reviewCount: 204,
    colour: 'Charcoal',
    swatch: '#3b3f47',
    badge: null,
    lede: 'A moulded shell for every Sonora over-ear, with a pocket for cables.',
    highlights: ['Fits Aurora, Nimbus and Studio', 'Cable pocket', 'Water-repellent'],
    specs: [
      ['Size', '20 × 17 × 7 cm'],
      ['Weight', '190 g'],
    ],
  },
  {
    id: 'oak-stand',
    category: 'cases-stands',
    name: 'Oak Stand',
    kind: 'Headphone stand',
    price: 39,
    rating: 4.9,
    reviewCount: 96,
    colour: 'Natural oak',
    swatch: '#c89b63',
    badge: null,
    lede: 'Solid oak, turned in Porto. Gives your headphones a home on the desk.',
    highlights: ['Solid European oak', 'Felt base', 'Fits every headband'],
    specs: [
      ['Height', '26 cm'],
      ['Weight', '480 g'],
    ],
  },
];

// Reviews shown on product pages (the first three per product).
const reviewsByProduct = {
  'aurora-x2': [
    [
      'Marta K.',
      5,
      'Forget they are on',
      'Wore them on a nine-hour flight. The noise cancelling took the engine drone away completely and my ears did not ache once.',
    ],
    [
      'Daniel R.',
      4,
      'Great sound, app could be better',
      'Warm, punchy sound with clear vocals. Switching between laptop and phone just works. The companion app is a bit basic.',
    ],
    [
      'Aisha B.',
      5,
      'Battery that never ends',
      'I charge them on Sundays. That is it. Calls sound clear even on a windy street.',
    ],
  ],
  'nimbus-pro': [
    [
      'Tom H.',
      5,
      'Worth every cent',
      'The spatial audio demo made me laugh out loud. Beautiful build, the white does not mark easily.',
    ],
    [
      'Ines P.',
      5,
      'Quietest headphones I have tried',
      'Open-plan office, gone. I use them without music just for the silence.',
    ],
    [
      'Kenji S.',
      4,
      'Heavy-ish, but wow',
      'A touch heavier than my old pair, but the sound stage is in another league.',
    ],
  ],
  'pulse-mini': [
    [
      'Lea M.',
      4,
      'Perfect gym pair',
      'Stays put on the treadmill and survived a lot of sweat. Bass is fun rather than accurate.',
    ],
    [
      'Oscar D.',
      4,
      'Light and loud',
      'Folds into my jacket pocket. On-ears press a little after two hours.',
    ],
    [
      'Priya N.',
      5,
      'My daughter loves them',
      'Bought the coral ones for school. Battery lasts the whole week.',
    ],
  ],
  'studio-one': [
    [
      'Felix W.',
      5,
      'Honest sound',
      'Flat, detailed, no hype. My mixes translate to the car and to phones much better now.',
    ],
    [
      'Sara V.',
      5,
      'Built to last',
      'Replaced the pads after three years for a few euros. Everything unscrews.',
    ],
    [
      'Marc L.',
      4,
      'Needs a good source',
      'Easy to drive from a laptop, but they really open up with a proper DAC.',
    ],
  ],
};

const genericReviews = [
  [
    'Jonas E.',
    5,
    'Exactly as described',
    'Arrived in two days, well packed, and it feels more expensive than it is.',
  ],
  [
    'Clara F.',
    4,
    'Very happy',
    'Good quality and a nice colour in person. Would buy from Sonora again.',
  ],
  ['Ravi T.', 5, 'Great value', 'Does what it should and looks good doing it.'],
];

export function reviewsOf(product) {
  return (reviewsByProduct[product.id] || genericReviews).map(([author, stars, title, text]) => ({
    author,
    stars,
    title,
    text,
  }));
}

export function productById(id) {
  return products.find((product) => product.id === id) || null;
}

export function productsIn(category) {
  return products.filter((product) => product.category === category);
}

export function productImage(product) {
  return '/assets/products/' + product.id + '.svg';
}

export const kFreeShippingFrom = 100;
export const kShippingFee = 5.95;
