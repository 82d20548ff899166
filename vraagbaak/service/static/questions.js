// The "Openstaande vragen" view (?view=vragen&status=&addressee=&party=&from=&to=&offset=): the backlog
// of schriftelijke vragen from GET /v1/questions, counts per ministry, the answer-time chart, and
// "volg deze vraag". Text from documents is set with textContent only, as in app.js.
"use strict";

(() => {
  const STATUS_LABELS = { overdue: "te laat", open: "open", postponed: "uitgesteld", answered: "beantwoord" };
  const FILTERS = ["status", "addressee", "party", "from", "to"];
  const PAGE = 25;
  const $ = (id) => document.getElementById(id);

  let token = 0; // the newest request; answers to older ones are dropped

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function day(iso) {
    if (!iso) return "";
    const [year, month, date] = iso.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString("nl-NL", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });
  }

  async function getJson(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`);
    return body;
  }

  function setText(id, text, isError = false) {
    $(id).textContent = text;
    $(id).classList.toggle("error", isError);
  }

  function fillSelect(select, names, chosen, allLabel) {
    const keep = chosen || "";
    select.replaceChildren(Object.assign(el("option", allLabel), { value: "" }));
    for (const name of names) select.append(Object.assign(el("option", name), { value: name }));
    if (keep && !names.includes(keep)) select.append(Object.assign(el("option", keep), { value: keep }));
    select.value = keep;
  }

  function months(params) {
    const value = Number(params.get("months"));
    return Number.isInteger(value) && value >= 1 && value <= 240 ? value : 12;
  }

  function queryFrom(params) {
    const query = new URLSearchParams();
    for (const name of FILTERS) if (params.get(name)) query.set(name, params.get(name));
    if (params.get("months")) query.set("months", String(months(params)));
    const offset = Number(params.get("offset") || 0);
    if (offset > 0) query.set("offset", String(offset));
    return query;
  }

  function pageUrl(query) {
    const params = new URLSearchParams(query);
    params.set("view", "vragen");
    params.sort();
    return `/?${params.toString()}`;
  }

  function countsTable(rows) {
    const body = $("ministry-counts").querySelector("tbody");
    body.replaceChildren();
    for (const row of rows) {
      const line = el("tr");
      const name = el("th", row.name);
      name.scope = "row";
      const late = el("td", String(row.overdue), row.overdue ? "late" : "");
      line.append(name, late, el("td", String(row.open)), el("td", String(row.postponed)), el("td", String(row.answered)));
      body.append(line);
    }
  }

  // One row per ministry: a line from the shortest to the longest answer time, a box over the
  // middle half, a stroke at the median. Drawn from the API's numbers; a list says the same in words.
  function drawAnswerTimes(rows, termDays) {
    const figure = $("answer-times");
    figure.hidden = rows.length === 0;
    if (!rows.length) return;
    const label = 260, width = 720, rowHeight = 26, top = 8;
    const height = top + rows.length * rowHeight + 24;
    const most = Math.max(termDays, ...rows.map((row) => row.maximum));
    const x = (days) => label + (days / most) * (width - label - 16);
    // The page's own (empty) <svg> gives the namespace: the HTML parser put it in SVG's.
    const svg = figure.querySelector("svg.chart-svg").cloneNode(false);
    const SVG = svg.namespaceURI;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", "answer-times-caption");
    const add = (parent, tag, attributes, text) => {
      const node = document.createElementNS(SVG, tag);
      for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
      if (text !== undefined) node.textContent = text;
      parent.append(node);
      return node;
    };
    const term = add(svg, "line", { x1: x(termDays), x2: x(termDays), y1: top, y2: height - 20, stroke: "#a30000", "stroke-dasharray": "4 3" });
    term.classList.add("term");
    add(svg, "text", { x: x(termDays) + 3, y: height - 6, "font-size": 11, fill: "#a30000" }, `termijn ${termDays} dagen`);
    rows.forEach((row, index) => {
      const y = top + index * rowHeight + rowHeight / 2;
      const mark = add(svg, "g", { class: "mark" });
      mark.dataset.addressee = row.addressee;
      add(mark, "text", { x: 0, y: y + 4, "font-size": 12, fill: "#1b1b1b" },
        row.addressee.length > 40 ? row.addressee.slice(0, 39) + "…" : row.addressee);
      add(mark, "line", { x1: x(row.minimum), x2: x(row.maximum), y1: y, y2: y, stroke: "#555" });
      add(mark, "rect", { x: x(row.p25), y: y - 7, width: Math.max(2, x(row.p75) - x(row.p25)), height: 14, fill: "#c9d6e8", stroke: "#154273" });
      add(mark, "line", { x1: x(row.median), x2: x(row.median), y1: y - 9, y2: y + 9, stroke: "#154273", "stroke-width": 3 });
      add(mark, "title", {}, `${row.addressee}: mediaan ${row.median} dagen`);
    });
    figure.querySelector("figcaption").id = "answer-times-caption";
    svg.removeAttribute("hidden");
    figure.querySelector(".chart-body").replaceChildren(svg);
    $("answer-times-text").replaceChildren(...rows.map((row) => el("li",
      `${row.addressee}: mediaan ${row.median} dagen, middelste helft ${row.p25} tot ${row.p75} dagen, ` +
      `kortste ${row.minimum}, langste ${row.maximum}, ${row.answers} ${row.answers === 1 ? "antwoord" : "antwoorden"}`)));
  }

  // Bars per year: how many of the closest earlier answers that count as close matches came from that year.
  async function showAskedByYear(params, isCurrent) {
    const figure = $("asked-by-year");
    figure.hidden = true;
    let counts;
    try {
      counts = await getJson(`/v1/questions/asked-by-year?${params.toString()}`);
    } catch {
      return; // the results are on the page; the picture is a bonus
    }
    if (!isCurrent() || counts.years.length === 0) return;
    const width = 720, height = 160, left = 36, bottom = 24, top = 10;
    const years = counts.years;
    const most = Math.max(...years.map((entry) => entry.count));
    const slot = (width - left) / years.length;
    const svg = figure.querySelector("svg.chart-svg").cloneNode(false);
    const ns = svg.namespaceURI;
    svg.removeAttribute("hidden");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `Vergelijkbare vragen per jaar: ${years.map((e) => `${e.year}: ${e.count}`).join(", ")}`);
    const add = (parent, tag, attributes, text) => {
      const node = document.createElementNS(ns, tag);
      for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
      if (text !== undefined) node.textContent = text;
      parent.append(node);
      return node;
    };
    years.forEach((entry, index) => {
      const barHeight = ((height - top - bottom) * entry.count) / most;
      const barWidth = Math.min(slot * 0.7, 48);
      const middle = left + index * slot + slot / 2;
      const mark = add(svg, "g", { class: "mark" });
      mark.dataset.year = String(entry.year);
      add(mark, "rect", { x: middle - barWidth / 2, y: height - bottom - barHeight, width: barWidth, height: barHeight, fill: "#154273" });
      add(mark, "text", { x: middle, y: height - 6, "font-size": 12, "text-anchor": "middle" }, String(entry.year));
      add(mark, "text", { x: middle, y: height - bottom - barHeight - 3, "font-size": 12, "text-anchor": "middle" }, String(entry.count));
    });
    figure.querySelector(".chart-body").replaceChildren(svg);
    $("asked-by-year-text").replaceChildren(...years.map((entry) =>
      el("li", `${entry.year}: ${entry.count} ${entry.count === 1 ? "vergelijkbaar antwoord" : "vergelijkbare antwoorden"}`)));
    figure.hidden = false;
  }

  async function follow(item, box) {
    const key = $("follow-key").value;
    if (!key) {
      $("follow-box").open = true;
      setText("follow-status", "Vul eerst de beheersleutel in.", true);
      $("follow-key").focus();
      return;
    }
    try {
      const made = await getJson(`/v1/questions/${encodeURIComponent(item.key)}/follow`, {
        method: "POST", headers: { "X-API-Key": key },
      });
      const link = el("a", "Atom-feed van deze vraag", "follow-feed");
      link.href = made.feed_url;
      box.replaceChildren(link);
      setText("follow-status", `U volgt ${item.zaaknummer || item.title}; de feed krijgt een bericht bij antwoord of uitstel.`);
    } catch (error) {
      setText("follow-status", `Volgen is niet gelukt: ${error.message}`, true);
    }
  }

  function renderItem(item) {
    const card = el("li", null, "card question-item");
    card.dataset.key = item.key;
    const article = el("article");
    const badges = el("div", null, "badges");
    badges.append(el("span", STATUS_LABELS[item.status], `badge status-${item.status}`));
    if (item.zaaknummer) badges.append(el("span", item.zaaknummer, "badge"));
    for (const party of item.parties) badges.append(el("span", party, "badge party"));
    article.append(badges, el("h3", item.title));
    const facts = [];
    if (item.addressee) facts.push(`aan ${item.addressee}`);
    if (item.submitted) facts.push(`ingezonden ${day(item.submitted)}`);
    if (item.status === "overdue") facts.push(`${item.days_overdue} ${item.days_overdue === 1 ? "dag" : "dagen"} te laat (termijn tot ${day(item.due)})`);
    else if (item.due) facts.push(`antwoord verwacht uiterlijk ${day(item.due)}`);
    if (item.postponed_on) facts.push(`uitgesteld op ${day(item.postponed_on)}`);
    if (item.answered_on) facts.push(`beantwoord ${day(item.answered_on)}` + (item.days_to_answer !== null ? ` (na ${item.days_to_answer} dagen)` : ""));
    article.append(el("p", facts.join(" · "), "dates"));
    if (item.postponement) article.append(el("p", item.postponement, "postponement"));
    const documents = el("ul", null, "xrefs");
    for (const document of item.documents) {
      const entry = el("li");
      const link = el("a", `${document.role === "answer" ? "Antwoord" : document.role === "notice" ? "Uitstelbericht" : "Vragen"}: ${document.title}`);
      link.href = `/?doc=${encodeURIComponent(document.doc_id)}`;
      entry.append(link);
      documents.append(entry);
    }
    article.append(documents);
    if (item.status !== "answered") {
      const box = el("div");
      const button = el("button", "Volg deze vraag");
      button.type = "button";
      button.addEventListener("click", () => follow(item, box));
      box.append(button);
      article.append(box);
    }
    card.append(article);
    return card;
  }

  async function showQuestions(params) {
    const mine = ++token;
    const query = queryFrom(params);
    for (const name of FILTERS) {
      const field = $(`q-${name}`);
      if (field.tagName !== "SELECT") field.value = params.get(name) || "";
    }
    $("q-status").value = params.get("status") || "";
    setText("questions-status", "Vragen laden…");
    const listQuery = new URLSearchParams(query);
    listQuery.delete("months"); // the chart's period, not a filter of the list
    listQuery.set("limit", String(PAGE));
    const period = months(params);
    try {
      const [listing, times] = await Promise.all([
        getJson(`/v1/questions?${listQuery.toString()}`),
        getJson(`/v1/questions/answer-times?months=${period}`),
      ]);
      if (mine !== token) return;
      fillSelect($("q-addressee"), listing.counts.by_addressee.map((row) => row.name), params.get("addressee"), "Alle ministeries");
      fillSelect($("q-party"), listing.counts.by_party.map((row) => row.name), params.get("party"), "Alle fracties");
      $("questions-rule").textContent = `Stand op ${day(listing.today)}; een vraag is te laat als er ${listing.term_days} dagen ` +
        "na indiening geen antwoord is, of na de nieuwe datum van een uitstelbericht.";
      countsTable(listing.counts.by_addressee);
      $("answer-times").querySelector("figcaption").textContent = `Antwoordtijd per ministerie, laatste ${period} ` +
        "maanden: dagen van ingezonden tot antwoord (lijn: kortste tot langste, blok: middelste helft, streep: mediaan)";
      drawAnswerTimes(times.rows, listing.term_days);
      $("question-list").replaceChildren(...listing.items.map(renderItem));
      const counts = listing.counts.by_status;
      const shown = listing.items.length;
      setText("questions-status", listing.total === 0 ? "Geen vragen met deze filters." :
        `${listing.total} ${listing.total === 1 ? "vraag" : "vragen"} (te laat ${counts.overdue}, open ${counts.open}, ` +
        `uitgesteld ${counts.postponed}, beantwoord ${counts.answered}); ${listing.offset + 1}–${listing.offset + shown} getoond.`);
      $("q-prev").disabled = listing.offset === 0;
      $("q-next").disabled = listing.offset + shown >= listing.total;
      $("q-prev").onclick = () => { query.set("offset", String(Math.max(0, listing.offset - PAGE))); go(query); };
      $("q-next").onclick = () => { query.set("offset", String(listing.offset + PAGE)); go(query); };
    } catch (error) {
      if (mine === token) setText("questions-status", `De vragen konden niet worden geladen: ${error.message}`, true);
    }
  }

  function go(query) {
    history.pushState(null, "", pageUrl(query));
    showQuestions(new URLSearchParams(location.search));
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("questions-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const query = new URLSearchParams();
      for (const name of FILTERS) if ($(`q-${name}`).value) query.set(name, $(`q-${name}`).value);
      const kept = new URLSearchParams(location.search).get("months");
      if (kept) query.set("months", kept);
      go(query);
    });
  });

  window.Vraagbaak = Object.assign(window.Vraagbaak || {}, { showQuestions, showAskedByYear });
})();
