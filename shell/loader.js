// The shell's loader. It knows slots, never business logic:
// 1. reads the manifest (inlined into the page by nginx; fetched if not),
// 2. finds the micro-frontend of each slot in the page: header slots name theirs, and
//    nginx names the main slot's from the route (`$main_mfe`; none = no such page),
// 3. starts the main slot first — its MFE's JS, wasm and CSS and the page's first data —
//    and the header fragments only once the main slot has drawn its first screen or has
//    failed (or after HEADER_DELAY_MS), so they never take bandwidth or the main thread
//    from the page.
//    A header fragment of the main slot's own MFE comes with it: same bundle, no cost.
//    A header fragment its BFF rendered is already right: it is made live (hydrated) only
//    on the shopper's first interaction with the page, when another MFE wants to talk to
//    its MFE (`mfe:want`, sent by mfe-kit's `when_ready`), or when it is clicked — that
//    click is given again once it is live. A page nobody touches loads one bundle.
// 4. mounts each MFE into its slot, or shows that slot's designed fallback when the MFE is
//    missing, fails to load, throws, or crashes. The rest of the page keeps working.
//    Before a slot's content is replaced (a fallback, a new mount), the MFE that had it
//    gets `unmount(element)`.
// 5. fills nested hosts the same way: a page that shows another slice's fragment renders
//    `<div class="nested-slot" data-mfe data-fragment data-label data-props>` (mfe-kit's
//    `Nested`) and sends a bubbling `mfe:nest` on it once it is in the document. The host
//    gets a loading state, then its MFE's `mount(host, { fragment, data, onCrash })` —
//    `data` is its `data-props` parsed — or its fallback, by the rules of 4 (data-props
//    that are not JSON too). Nested hosts are part of the page: they do not wait for its
//    first screen as the header does, and share the bundle of that MFE's header fragment.
//    `mfe:unnest` on `window` (detail: the host) takes a host back; so does replacing the
//    content of a slot or host it is inside (a crashed MFE cannot send `mfe:unnest`).

// A slot still loading after this long shows its fallback (and is mounted if it arrives).
const PATIENCE_MS = 12000;
// The longest the header fragments wait for the main slot before they start loading.
const HEADER_DELAY_MS = 3000;
// Once mounted, the longest the main slot's first screen is waited for (mfe-kit announces
// it with an `mfe:rendered` event on the slot); an MFE that never says so costs this much.
const FIRST_RENDER_MS = 1000;

const path = location.pathname.replace(/\/+$/, '') || '/';
const main = document.querySelector('[data-slot="main"]');
const slots = [...document.querySelectorAll('[data-mfe]')].filter((slot) => slot.dataset.mfe);
const bundles = {};
const crashed = {};
// The module that last mounted into each slot: it is told when the slot is taken back.
const owners = new Map();
// Nested hosts on the page, each with a token for the fill meant for it: a host nested
// again (its props changed) or taken back makes an earlier fill stale.
const nested = new Map();

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
  const present = [...document.querySelectorAll('link[rel="stylesheet"]')].find((link) => link.getAttribute('href') === href);
  if (present) return Promise.resolve(); // the page's preload hints applied it
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

// Lets the browser handle input and paint before going on.
function yieldToMain() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// Takes `slot` back from the MFE that mounted into it, if any. A module without `unmount`,
// or one that throws (a crashed instance may), does not stop the shell. Hosts nested in it
// are taken back first: a crashed MFE cannot send their `mfe:unnest`.
function unmount(slot) {
  for (const host of [...nested.keys()]) {
    if (host !== slot && slot.contains(host)) {
      nested.delete(host);
      unmount(host);
    }
  }
  const owner = owners.get(slot);
  if (!owner) return;
  owners.delete(slot);
  try {
    owner.unmount?.(slot);
  } catch (error) {
    console.error('a micro-frontend could not be unmounted', error);
  }
}

function fallback(slot, name) {
  unmount(slot);
  const template = document.getElementById(
    slot === main
      ? name ? 'fallback-main' : 'fallback-not-found'
      : nested.has(slot) ? 'fallback-nested' : `fallback-${name}`,
  );
  slot.replaceChildren(template ? template.content.cloneNode(true) : '');
  const label = slot.querySelector('[data-part="label"]');
  if (label) label.textContent = slot.dataset.label || 'This part of the shop';
  const retry = slot.querySelector('[data-part="retry"]');
  if (retry) retry.href = location.href;
  slot.dataset.state = 'fallback';
}

// Called by the MFE's panic hook (once per mounted slot): its wasm instance is unusable,
// so every slot and nested host it fills gets its fallback.
function crash(name) {
  if (crashed[name]) return;
  crashed[name] = true;
  for (const slot of slots) if (slot.dataset.mfe === name) fallback(slot, name);
  // A host inside a slot that just got its fallback has left `nested` already.
  for (const host of [...nested.keys()]) {
    if (host.dataset.mfe === name && nested.has(host)) fallback(host, name);
  }
}

// The markup the slot's BFF rendered, if it did: it ends with `<script data-ssr
// data-build>` carrying the answers it was rendered with (see mfe-kit's `ssr`).
function serverRendered(slot) {
  const last = slot.lastElementChild;
  return last && last.localName === 'script' && last.hasAttribute('data-ssr') ? last : null;
}

// Loads and mounts the MFE of `slot`; settles once the slot shows it or its fallback.
// `extra` props go along (a nested host's `data`); nothing happens once `wanted()` is false.
// A slot its BFF rendered is usable as it is (real links, GET forms): it is hydrated — by
// the same build only; any other draws it anew — and kept as it is when the MFE cannot load.
function fill(slot, manifest, extra = {}, wanted = () => true) {
  const name = slot.dataset.mfe;
  const entry = manifest.mfes[name];
  const rendered = serverRendered(slot);
  if (!entry) return Promise.resolve(rendered || fallback(slot, name));
  const props = {
    fragment: slot === main ? 'page' : slot.dataset.fragment || 'page',
    prefetch: slot === main && !rendered ? prefetch(entry) : {},
    onCrash: () => crash(name),
    ...extra,
  };
  const patience = setTimeout(() => wanted() && !rendered && (slot.dataset.state || fallback(slot, name)), PATIENCE_MS);
  return load(name, entry)
    .then(async (module) => {
      // Starting the wasm and drawing (or hydrating) the slot are two tasks, not one long one.
      await yieldToMain();
      if (!wanted()) return;
      if (crashed[name]) return fallback(slot, name);
      if (rendered && rendered.isConnected && module.build?.() !== rendered.dataset.build) {
        console.info(`micro-frontend "${name}": the page was rendered by another build; drawing it anew`);
        rendered.remove();
      }
      unmount(slot);
      owners.set(slot, module);
      module.mount(slot, props);
      slot.dataset.state = 'mounted';
      performance.mark(`mfe:${name}:mounted`);
    })
    .catch((error) => {
      if (!wanted()) return;
      console.error(`micro-frontend "${name}" could not be shown`, error);
      if (rendered && rendered.isConnected && !owners.has(slot)) {
        slot.dataset.state = 'server-rendered';
        return;
      }
      fallback(slot, name);
    })
    .finally(() => clearTimeout(patience));
}

// Fills the nested host `host` (see 5. above): loading state, then mount or fallback.
function nest(host, manifest) {
  const token = {};
  nested.set(host, token);
  unmount(host);
  delete host.dataset.state;
  const loading = document.getElementById('loading-nested');
  host.replaceChildren(loading ? loading.content.cloneNode(true) : '');
  const label = host.querySelector('[data-part="label"]');
  const text = host.dataset.label || 'this part of the shop';
  if (label) label.textContent = text.charAt(0).toLowerCase() + text.slice(1);
  let data = {};
  try {
    if (host.dataset.props) data = JSON.parse(host.dataset.props);
  } catch (error) {
    console.error(`nested "${host.dataset.mfe}" fragment has bad data-props`, error);
    return fallback(host, host.dataset.mfe);
  }
  return fill(host, manifest, { data }, () => nested.get(host) === token);
}

// What counts as the shopper's first interaction with the page (see 3. above).
const INTERACTIONS = ['pointerdown', 'pointermove', 'touchstart', 'keydown', 'wheel'];

// Makes the server-rendered header slots `waiting` live when they are wanted (see 3.):
// all of them on the first interaction, once `mayLoad` (the main slot settled); one MFE's
// at once when another MFE wants it or one of its buttons is clicked.
function hydrateWhenWanted(waiting, manifest, mayLoad) {
  if (!waiting.length) return;
  const started = new Map();
  const start = (slot) => {
    if (!started.has(slot)) started.set(slot, fill(slot, manifest));
    return started.get(slot);
  };
  const onInteraction = () => {
    for (const type of INTERACTIONS) window.removeEventListener(type, onInteraction, true);
    mayLoad.then(() => waiting.forEach(start));
  };
  for (const type of INTERACTIONS) {
    window.addEventListener(type, onInteraction, { capture: true, passive: true });
  }
  window.addEventListener('mfe:want', (event) => {
    for (const slot of waiting) if (slot.dataset.mfe === event.detail) start(slot);
  });
  for (const slot of waiting) {
    // Links work as they are; a button does nothing until its MFE is live.
    slot.addEventListener('click', (event) => {
      const button = event.target instanceof Element && event.target.closest('button');
      if (!button || slot.dataset.state === 'mounted') return;
      event.preventDefault();
      start(slot)
        .then(yieldToMain) // the MFE's listeners are in place once it has drawn
        .then(() => slot.dataset.state === 'mounted' && button.isConnected && button.click());
    });
  }
}

if (!main.dataset.mfe) {
  document.title = 'Page not found · Copperleaf Market';
  fallback(main);
}
const manifestRead = readManifest();
// From the start: a page may nest fragments in its first render.
document.addEventListener('mfe:nest', (event) => {
  const host = event.target;
  if (!(host instanceof HTMLElement) || !host.dataset.mfe || slots.includes(host)) return;
  manifestRead.then((manifest) => host.isConnected && nest(host, manifest));
});
window.addEventListener('mfe:unnest', (event) => {
  const host = event.detail;
  if (!nested.has(host)) return;
  nested.delete(host);
  unmount(host);
  delete host.dataset.state;
});
manifestRead.then((manifest) => {
  const mainName = main.dataset.mfe;
  // Listening before the mount: the event may come before fill() settles.
  const mainDrawn = new Promise((resolve) => {
    main.addEventListener('mfe:rendered', resolve, { once: true });
  });
  const mainSettled = mainName
    ? fill(main, manifest).then(() => {
        if (main.dataset.state !== 'mounted') return undefined;
        return Promise.race([mainDrawn, new Promise((resolve) => setTimeout(resolve, FIRST_RENDER_MS))]);
      })
    : Promise.resolve();
  const headersMayLoad = Promise.race([
    mainSettled,
    new Promise((resolve) => setTimeout(resolve, HEADER_DELAY_MS)),
  ]);
  const rendered = [];
  for (const slot of slots) {
    if (slot === main) continue;
    if (slot.dataset.mfe === mainName) fill(slot, manifest);
    else if (serverRendered(slot)) rendered.push(slot);
    else headersMayLoad.then(() => fill(slot, manifest));
  }
  hydrateWhenWanted(rendered, manifest, headersMayLoad);
});
