// The ♥ Favourite toggle and "Add to collection" menu (templates/collect/_favourite_button.html).
// Each control acts on one subject: a fixed one (data-subject-id) or whatever subject the element named by
// data-subject-source shows now (the classifier changes its data-subject-id as volunteers move on).
// Requests set a state (PUT/DELETE, POST to add) rather than toggle, so a retried click is harmless.
(() => {
  "use strict";

  const csrfToken = () => {
    if (window.clusterHunt?.csrfToken) return window.clusterHunt.csrfToken();
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  };

  async function call(url, { method = "GET", body = null } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    if (body !== null) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, credentials: "same-origin", body: body === null ? null : JSON.stringify(body),
      });
    } catch {
      throw new Error("We couldn't reach the server. Check your connection and try again.");
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch {
      // Not JSON: the status below says enough.
    }
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail
        : data && data.title ? `Title: ${data.title}` : `The request was refused (HTTP ${response.status}).`;
      throw new Error(detail);
    }
    return data;
  }

  function setup(root) {
    const el = {
      favourite: root.querySelector("[data-collect-favourite]"),
      heart: root.querySelector(".collect-heart"),
      menu: root.querySelector("[data-collect-menu]"),
      list: root.querySelector("[data-collect-list]"),
      form: root.querySelector("[data-collect-new]"),
      status: root.querySelector("[data-collect-status]"),
    };
    const favouriteUrl = (id) => root.dataset.favouriteUrl.replace(/0\/$/, `${id}/`);
    const collectionsUrl = root.dataset.collectionsUrl;
    const source = root.dataset.subjectSource ? document.querySelector(root.dataset.subjectSource) : null;
    let subjectId = null;
    let loaded = 0; // a counter, so a slow answer about the previous subject is ignored

    const say = (message) => { el.status.textContent = message; };

    function showFavourite(on) {
      el.favourite.setAttribute("aria-pressed", String(on));
      el.heart.textContent = on ? "♥" : "♡";
      // The label stays "Favourite" (aria-pressed carries the state, as a toggle button should).
      el.favourite.title = on ? "In your Favourites (click to remove)" : "Add to your Favourites";
    }

    function showCollections(collections) {
      el.list.replaceChildren();
      if (!collections.length) {
        const li = document.createElement("li");
        li.className = "help";
        li.textContent = "No collections yet: create one below.";
        el.list.append(li);
        return;
      }
      for (const collection of collections) {
        const li = document.createElement("li");
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.checked = collection.contains;
        box.dataset.key = collection.key;
        label.append(box, ` ${collection.title}`);
        if (collection.is_public) {
          const tag = document.createElement("span");
          tag.className = "collect-public";
          tag.textContent = "public";
          label.append(" ", tag);
        }
        li.append(label);
        el.list.append(li);
        box.addEventListener("change", () => toggleIn(collection, box));
      }
    }

    function show(state) {
      showFavourite(state.favourite);
      showCollections(state.collections);
    }

    async function load(id, { keepStatus = false } = {}) {
      const mine = ++loaded;
      subjectId = id;
      el.favourite.disabled = true;
      if (!keepStatus) say("");
      if (id === null) return;
      try {
        const state = await call(favouriteUrl(id));
        if (mine !== loaded) return;
        show(state);
        el.favourite.disabled = false;
      } catch (error) {
        if (mine === loaded) say(error.message);
      }
    }

    async function toggleFavourite() {
      if (subjectId === null) return;
      const id = subjectId;
      const on = el.favourite.getAttribute("aria-pressed") !== "true";
      el.favourite.disabled = true;
      try {
        // PUT answers the new state; DELETE answers 204 and changes nothing but the ♥.
        const state = await call(favouriteUrl(id), { method: on ? "PUT" : "DELETE" });
        if (id !== subjectId) return;
        if (state) show(state);
        else showFavourite(false);
        say(on ? `Subject ${id} added to your Favourites.` : `Subject ${id} removed from your Favourites.`);
      } catch (error) {
        say(error.message);
      } finally {
        if (id === subjectId) el.favourite.disabled = false;
      }
    }

    async function toggleIn(collection, box) {
      if (subjectId === null) return;
      const id = subjectId;
      const items = `${collectionsUrl}${collection.key}/items/`;
      box.disabled = true;
      try {
        if (box.checked) {
          await call(items, { method: "POST", body: { subject: id } });
          say(`Added to “${collection.title}”.`);
        } else {
          await call(`${items}${id}/`, { method: "DELETE" });
          say(`Removed from “${collection.title}”.`);
        }
        collection.contains = box.checked;
      } catch (error) {
        box.checked = !box.checked;
        say(error.message);
      } finally {
        box.disabled = false;
      }
    }

    async function create(event) {
      event.preventDefault();
      if (subjectId === null) return;
      const id = subjectId;
      const title = el.form.elements.title.value.trim();
      if (!title) return;
      const submit = el.form.querySelector('button[type="submit"]');
      submit.disabled = true;
      try {
        const created = await call(collectionsUrl, {
          method: "POST",
          body: { title, is_public: el.form.elements.is_public.checked, subjects: [id] },
        });
        el.form.reset();
        say(`Created “${created.title}” with subject ${id}.`);
        if (id === subjectId) await load(id, { keepStatus: true });
      } catch (error) {
        say(error.message);
      } finally {
        submit.disabled = false;
      }
    }

    el.favourite.addEventListener("click", toggleFavourite);
    el.form.addEventListener("submit", create);

    if (source) {
      // The classifier marks the subject on screen; while it loads the next one, there is none to collect.
      const current = () => {
        const id = source.dataset.subjectId;
        const ready = !source.dataset.state || ["ready", "error", "submitting"].includes(source.dataset.state);
        return id && ready ? Number(id) : null;
      };
      let shown = current();
      load(shown);
      new MutationObserver(() => {
        const next = current();
        if (next === shown) return;
        shown = next;
        if (next === null) {
          ++loaded;
          subjectId = null;
          el.favourite.disabled = true;
        } else {
          if (el.menu) el.menu.open = false;
          load(next);
        }
      }).observe(source, { attributes: true, attributeFilter: ["data-subject-id", "data-state"] });
    } else {
      load(root.dataset.subjectId ? Number(root.dataset.subjectId) : null);
    }
  }

  document.querySelectorAll("[data-collect]").forEach(setup);
})();
