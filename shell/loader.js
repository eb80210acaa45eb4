// The shell's loader. It knows slots, never business logic:
// 1. reads the manifest (inlined into the page by nginx; fetched if not),
// 2. finds the micro-frontend of each slot in the page: header slots name theirs, and
//    nginx names the main slot's from the route (`$main_mfe`; none = no such page),
// 3. starts every download at once — each MFE's JS, wasm and CSS, and the main page's
//    first data — so no bundle waits for another and a slow header never delays the main,
// 4. mounts each MFE into its slot, or shows that slot's designed fallback when the MFE is
//    missing, fails to load, or crashes. The rest of the page keeps working.

const LABELS = { catalog: 'The catalog', cart: 'The cart', account: 'Your account' };
// A slot still loading after this long shows its fallback (and is mounted if it arrives).
const PATIENCE_MS = 12000;

const path = location.pathname.replace(/\/+$/, '') || '/';
const main = document.querySelector('[data-slot="main"]');
const slots = [...document.querySelectorAll('[data-mfe]')].filter((slot) => slot.dataset.mfe);
const bundles = {};
const crashed = {};

function readManifest() {
  try {
    const manifest = JSON.parse(document.getElementById('mfe-manifest').textContent);
    if (manifest && manifest.mfes) return Promise.resolve(manifest);
  } catch {}
  return fetch('/mfe/manifest.json', { cache: 'no-cache' })
    .then((response) => (response.ok ? response.json() : { mfes: {} }))
    .catch(() => ({ mfes: {} }));
}

// "/products/:slug" matched against "/products/oak-desk" gives { slug: "oak-desk" }.
function match(pattern, path) {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = have[i];
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

// The first data the main page will ask its BFF for, requested now, while the wasm loads.
function prefetch(entry) {
  for (const [pattern, api] of entry.prefetch || []) {
    const params = match(pattern, path);
    if (!params) continue;
    const url = api.replace(/:(\w+)/g, (_, key) => params[key]).replace('{search}', location.search);
    const response = fetch(url, { credentials: 'same-origin' });
    response.catch(() => {}); // the MFE retries on its own if this fails
    return { [url]: response };
  }
  return {};
}

function stylesheet(href) {
  return new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.onload = link.onerror = resolve; // unstyled beats missing
    document.head.append(link);
  });
}

function load(name, entry) {
  bundles[name] ??= (async () => {
    const base = `/mfe/${name}/${entry.version}/`;
    const css = Promise.all((entry.css || []).map((file) => stylesheet(base + file)));
    const wasm = fetch(base + entry.wasm);
    const module = await import(base + entry.js);
    performance.mark(`mfe:${name}:imported`);
    await Promise.all([module.default({ module_or_path: wasm }), css]);
    performance.mark(`mfe:${name}:ready`);
    return module;
  })();
  return bundles[name];
}

function fallback(slot, name) {
  const template = document.getElementById(
    slot === main ? (name ? 'fallback-main' : 'fallback-not-found') : `fallback-${name}`,
  );
  slot.replaceChildren(template ? template.content.cloneNode(true) : '');
  const label = slot.querySelector('[data-part="label"]');
  if (label) label.textContent = LABELS[name] || 'This part of the shop';
  const retry = slot.querySelector('[data-part="retry"]');
  if (retry) retry.href = location.href;
  slot.dataset.state = 'fallback';
}

function crash(name) {
  crashed[name] = true;
  for (const slot of slots) if (slot.dataset.mfe === name) fallback(slot, name);
}

function fill(slot, manifest) {
  const name = slot.dataset.mfe;
  const entry = manifest.mfes[name];
  if (!entry) return fallback(slot, name);
  const props = {
    fragment: slot.dataset.fragment,
    prefetch: slot === main ? prefetch(entry) : {},
    onCrash: () => crash(name),
  };
  const patience = setTimeout(() => slot.dataset.state || fallback(slot, name), PATIENCE_MS);
  load(name, entry)
    .then((module) => {
      if (crashed[name]) return fallback(slot, name);
      module.mount(slot, props);
      slot.dataset.state = 'mounted';
      performance.mark(`mfe:${name}:mounted`);
    })
    .catch((error) => {
      console.error(`micro-frontend "${name}" could not be shown`, error);
      fallback(slot, name);
    })
    .finally(() => clearTimeout(patience));
}

if (!main.dataset.mfe) {
  document.title = 'Page not found · Copperleaf Market';
  fallback(main);
}
readManifest().then((manifest) => {
  // The main slot first: its downloads matter most.
  for (const slot of slots.sort((a, b) => (b === main) - (a === main))) fill(slot, manifest);
});
