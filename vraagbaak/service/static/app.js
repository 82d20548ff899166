// The drafters' page. Every piece of document text is set with textContent, never innerHTML,
// so markup in a document (script tags, onerror attributes, javascript: links) stays inert text.
// One page, two views, each a shareable URL: a search (?q=…&filters&sort) and a document opened
// at one of its units (?doc=ID&unit=UNIT). In-page links add history entries; back and forward work.
"use strict";

const MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
  "september", "oktober", "november", "december"];
const SIGNALS = { question: "vraag", answer: "antwoord", lexical: "trefwoorden" };
const KINDS = {
  qa_list: "Lijst van vragen en antwoorden",
  written_consultation: "Verslag van een schriftelijk overleg",
  written_answers: "Antwoorden op schriftelijke vragen",
  written_questions: "Schriftelijke vragen",
  postponement: "Mededeling",
  prose: "Document",
};
const SORTS = { newest: "nieuwste eerst", oldest: "oudste eerst" };
const DATE_SORT_POOL = 20; // the API re-orders this many of the most relevant units (or documents) by date
// The page groups by document unless the URL says group=none: a drafter wants the earlier set of answers,
// and the right document comes first far more often than the right unit (README, "Results by document").
const PAGE_GROUP = "document";
const WINDOW = 200; // units in full per document request: the API's maximum
const TOC_CHARS = 90;

const $ = (id) => document.getElementById(id);

let searchToken = 0; // the newest search; answers to older ones are dropped
let shownSearch = null; // the query string whose results are on the page
let shownDocument = null; // the document response on the page

function dutchDate(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

function setStatus(text, isError = false, target = "status") {
  const status = $(target);
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function fetchJson(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
    throw new Error(detail);
  }
  return body;
}

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

// The answer as text nodes, with each highlighted sentence wrapped in <mark>.
function fillHighlighted(target, text, highlights) {
  const spans = [];
  for (const sentence of highlights || []) {
    const start = sentence ? text.indexOf(sentence) : -1;
    if (start >= 0) spans.push([start, start + sentence.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let position = 0;
  for (const [start, end] of spans) {
    if (start < position) continue; // overlapping highlight: keep the first
    target.append(document.createTextNode(text.slice(position, start)));
    target.append(element("mark", text.slice(start, end)));
    position = end;
  }
  target.append(document.createTextNode(text.slice(position)));
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = element("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("kopiëren is niet gelukt");
}

// A copy button: `text` is a string or a function that fetches it; the button says when it is done.
function wireCopy(button, text, done, statusTarget = "status") {
  button.addEventListener("click", async () => {
    try {
      await copyText(typeof text === "function" ? await text() : text);
      button.textContent = "Gekopieerd";
      setStatus(done, false, statusTarget);
    } catch (error) {
      setStatus(`Kopiëren is niet gelukt: ${error.message}`, true, statusTarget);
    }
  });
}

function unitUrl(unitId) {
  return "/v1/units/" + encodeURIComponent(unitId);
}

// ------------------------------------------------------------------ navigation

function docHref(docId, unitId) {
  const params = new URLSearchParams({ doc: docId });
  if (unitId) params.set("unit", unitId);
  return "?" + params.toString();
}

function navigate(href) {
  history.pushState({ app: true }, "", href);
  route();
}

// An in-page link: a plain click stays on the page, a ctrl/middle click opens a tab as usual.
function followInPage(link) {
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  return link;
}

function docLink(text, docId, unitId) {
  const link = element("a", text);
  link.href = docHref(docId, unitId); // built from ids, never from document text
  return followInPage(link);
}

function refLabel(ref) {
  const number = ref.number !== null && ref.number !== undefined ? `Vraag ${ref.number}` : ref.unit_id;
  return ref.title ? `${number}: ${ref.title}` : number;
}

// "Verwijst naar" / "Verwezen vanuit": links into the document view; a target not in the index stays text.
function fillRefs(box, refs) {
  const list = box.querySelector("ul");
  list.replaceChildren();
  for (const ref of refs || []) {
    const item = element("li");
    if (ref.doc_id) item.append(docLink(refLabel(ref), ref.doc_id, ref.unit_id));
    else item.textContent = `${ref.unit_id} (niet in de index)`;
    list.append(item);
  }
  box.hidden = list.children.length === 0;
}

// "Ook eerder gevraagd": a near-duplicate question elsewhere, as a link with its date.
function similarRef(similar) {
  const date = similar.date ? ` (${dutchDate(similar.date)})` : "";
  const words = similar.question.replace(/\s+/g, " ").trim();
  const title = words.length <= TOC_CHARS ? words : words.slice(0, TOC_CHARS - 1).trimEnd() + "…";
  return { ...similar, title: title + date };
}

function fillFootnotes(list, footnotes) {
  list.replaceChildren();
  for (const [number, note] of Object.entries(footnotes || {})) {
    const item = element("li", note);
    item.value = Number(number);
    list.append(item);
  }
  return list.children.length;
}

// "Datum document …, vragen ingezonden …, antwoord ontvangen …": what the document says about its dates.
function datesLine(dates) {
  const parts = [];
  if (dates.document_date) parts.push(`datum document ${dutchDate(dates.document_date)}`);
  if (dates.submitted) parts.push(`vragen ingezonden ${dutchDate(dates.submitted)}`);
  if (dates.received) parts.push(`antwoord ontvangen ${dutchDate(dates.received)}`);
  if (!parts.length) return "Geen datum bekend";
  const line = parts.join(", ");
  return line[0].toUpperCase() + line.slice(1);
}

// ------------------------------------------------------------------ search view

async function showUnit(card, unitId) {
  const detail = card.querySelector(".unit-detail");
  if (!detail.hidden) {
    detail.hidden = true;
    return;
  }
  detail.replaceChildren(element("p", "Laden…"));
  detail.hidden = false;
  try {
    const unit = await fetchJson(unitUrl(unitId));
    const parts = [element("p", unit.document.title, "document-title")];
    if (unit.page) parts.push(element("p", `Pagina ${unit.page}`));
    const notes = element("ol");
    if (fillFootnotes(notes, unit.footnotes)) parts.push(element("h3", "Voetnoten"), notes);
    if (parts.length === 1) parts.push(element("p", "Geen voetnoten."));
    const more = element("p");
    more.append(docLink("Lees het hele document vanaf hier", unit.doc_id, unit.unit_id));
    parts.push(more);
    detail.replaceChildren(...parts);
  } catch (error) {
    detail.replaceChildren(element("p", `Kon de eenheid niet laden: ${error.message}`));
  }
}

function renderCard(result, sortedByDate) {
  const card = $("card-template").content.firstElementChild.cloneNode(true);
  const citation = result.citation;
  card.dataset.unitId = result.unit_id;
  card.querySelector(".rank").textContent = `#${result.rank}`;
  if (sortedByDate && result.relevance_rank !== null) {
    const relevance = card.querySelector(".relevance");
    relevance.textContent = `relevantie #${result.relevance_rank}`;
    relevance.hidden = false;
  }
  if (citation.party) {
    const party = card.querySelector(".party");
    party.textContent = citation.party;
    party.hidden = false;
  }
  if (citation.answered === false) {
    card.querySelector(".unanswered").hidden = false;
    card.querySelector(".answer-block").hidden = true;
  }
  if (result.document_date) {
    const date = card.querySelector(".date");
    date.textContent = dutchDate(result.document_date);
    date.hidden = false;
  }
  const dates = card.querySelector(".dates");
  dates.textContent = datesLine(result);
  dates.hidden = false;
  card.querySelector(".matched").textContent = result.matched.length
    ? "gevonden via " + result.matched.map((signal) => SIGNALS[signal] || signal).join(", ")
    : "context";
  const number = result.number !== null ? `Vraag ${result.number} — ` : "";
  card.querySelector(".card-title").textContent = number + citation.document_title;
  if (result.question) {
    card.querySelector(".question").textContent = result.question;
  } else {
    card.querySelector(".question-block").hidden = true;
  }
  fillHighlighted(card.querySelector(".answer"), result.answer, result.highlights);
  card.querySelector(".citation").textContent = citation.formatted;
  wireCopy(card.querySelector(".copy"), citation.formatted, "Bronvermelding gekopieerd.");
  fillRefs(card.querySelector(".refs"), result.refs);
  fillRefs(card.querySelector(".referenced-by"), result.referenced_by);
  fillRefs(card.querySelector(".similar"), (result.similar || []).map(similarRef));
  const inDocument = card.querySelector(".doc-link");
  inDocument.href = docHref(result.doc_id, result.unit_id);
  followInPage(inDocument);
  const link = card.querySelector(".unit-link");
  link.href = unitUrl(result.unit_id);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showUnit(card, result.unit_id);
  });
  return card;
}

// A unit inside a document result: the best one marked, the context of a bare "Ja." or pointer labelled.
function renderGroupUnit(unit, bareNumbers) {
  const card = renderCard(unit, false);
  card.classList.add("group-unit");
  const rank = card.querySelector(".rank");
  if (unit.best) {
    card.classList.add("best");
    rank.textContent = "best passend";
  } else if (unit.context_for) {
    card.classList.add("context");
    const number = bareNumbers[unit.context_for];
    rank.textContent = number !== undefined && number !== null ? `hoort bij vraag ${number}` : "hoort bij het antwoord hierboven";
  } else {
    rank.textContent = "ook passend";
  }
  return card;
}

// "Schriftelijke vragen · 5 juni 2024 · gesteld door X · aan Y": who asked whom, as the document says it.
function groupMeta(doc) {
  const parts = [];
  if (doc.questioners.length) parts.push(`gesteld door ${doc.questioners.join(", ")}`);
  if (doc.addressee) parts.push(`aan ${doc.addressee}`);
  if (doc.dossier) parts.push(`Kamerstuk ${doc.dossier}` + (doc.kamerstuk_nr ? `, nr. ${doc.kamerstuk_nr}` : ""));
  return parts.join(" · ");
}

function renderGroup(doc, sortedByDate) {
  const item = $("group-template").content.firstElementChild.cloneNode(true);
  item.dataset.docId = doc.doc_id;
  item.querySelector(".rank").textContent = `#${doc.rank}`;
  item.querySelector(".kind").textContent = KINDS[doc.kind] || doc.kind;
  if (doc.date) {
    const date = item.querySelector(".date");
    date.textContent = dutchDate(doc.date);
    date.hidden = false;
  }
  if (sortedByDate) {
    const relevance = item.querySelector(".relevance");
    relevance.textContent = `relevantie #${doc.relevance_rank}`;
    relevance.hidden = false;
  }
  item.querySelector(".matched-units").textContent =
    `${doc.matched} ${doc.matched === 1 ? "passend antwoord" : "passende antwoorden"}`;
  const best = doc.units.find((unit) => unit.best);
  const link = item.querySelector(".group-link");
  link.textContent = doc.title;
  link.href = docHref(doc.doc_id, best ? best.unit_id : null);
  followInPage(link);
  const meta = item.querySelector(".group-meta");
  meta.textContent = groupMeta(doc);
  meta.hidden = !meta.textContent;
  item.querySelector(".citation").textContent = doc.citation;
  wireCopy(item.querySelector(".copy"), doc.citation, "Bronvermelding van het document gekopieerd.");
  const bareNumbers = Object.fromEntries(doc.units.map((unit) => [unit.unit_id, unit.number]));
  item.querySelector(".group-units").replaceChildren(...doc.units.map((unit) => renderGroupUnit(unit, bareNumbers)));
  return item;
}

// What /v1/search is asked: the page's search, grouped by document unless the URL says otherwise.
function apiParams(params) {
  const query = new URLSearchParams(params);
  if (!query.get("group")) query.set("group", PAGE_GROUP);
  return query;
}

// The search the form describes, as the query string of the page and of /v1/search.
function formParams() {
  const params = new URLSearchParams();
  params.set("q", $("question").value.trim());
  params.set("k", $("k").value || "5");
  params.set("mode", $("mode").value);
  if ($("party").value) params.append("party", $("party").value);
  if ($("doc").value) params.append("doc_id", $("doc").value);
  if ($("date-from").value) params.set("date_from", $("date-from").value);
  if ($("date-to").value) params.set("date_to", $("date-to").value);
  if ($("sort").value !== "relevance") params.set("sort", $("sort").value);
  if ($("unanswered").checked) params.set("include_unanswered", "true");
  if ($("group").value !== PAGE_GROUP) params.set("group", $("group").value);
  return params;
}

function setSelect(select, value, fallback) {
  select.value = value || fallback;
  if (select.value !== (value || fallback)) select.value = fallback; // unknown in this index
}

function selectFilters(params) {
  setSelect($("party"), params.get("party"), "");
  setSelect($("doc"), params.get("doc_id"), "");
}

function fillForm(params) {
  $("question").value = params.get("q") || "";
  $("k").value = params.get("k") || "5";
  setSelect($("mode"), params.get("mode"), "hybrid");
  selectFilters(params);
  $("date-from").value = params.get("date_from") || "";
  $("date-to").value = params.get("date_to") || "";
  setSelect($("sort"), params.get("sort"), "relevance");
  $("unanswered").checked = params.get("include_unanswered") === "true";
  setSelect($("group"), params.get("group"), PAGE_GROUP);
}

function updateExport(params, count) {
  $("export-bar").hidden = count === 0;
  resetMonitor(params);
  for (const [id, format] of [["export-csv", "csv"], ["export-md", "md"]]) {
    const query = apiParams(params);
    query.set("format", format);
    $(id).href = "/v1/search?" + query.toString();
  }
  for (const [id, label] of [["copy-md", "Kopieer als Markdown"], ["copy-link", "Kopieer link naar deze zoekopdracht"]]) {
    $(id).textContent = label;
  }
}

function clearResults() {
  $("asked-by-year").hidden = true;
  $("results").replaceChildren();
  $("export-bar").hidden = true;
  $("monitor-box").hidden = true;
  shownSearch = null;
}

// Runs the search the URL describes (not the form: a shared URL gives the same results).
async function runSearch(params) {
  const token = ++searchToken;
  const query = params.toString();
  const button = $("search-button");
  button.disabled = true;
  setStatus("Zoeken…");
  try {
    const response = await fetchJson("/v1/search?" + apiParams(params).toString() + "&include_similar=true");
    if (token !== searchToken) return;
    const sortedByDate = response.sort !== "relevance";
    const grouped = response.documents !== null && response.documents !== undefined;
    const cards = grouped
      ? response.documents.map((doc) => renderGroup(doc, sortedByDate))
      : response.results.map((result) => renderCard(result, sortedByDate));
    $("results").replaceChildren(...cards);
    shownSearch = location.search;
    const count = cards.length;
    updateExport(params, count);
    const order = sortedByDate ? `, ${SORTS[response.sort]} (uit de ${Math.max(DATE_SORT_POOL, response.k)} meest relevante)` : "";
    const noun = grouped ? (count === 1 ? "document" : "documenten") : (count === 1 ? "resultaat" : "resultaten");
    setStatus(count
      ? `${count} ${noun}${order} (${Math.round(response.took_ms)} ms)`
      : "Geen resultaten gevonden.");
    if (count && response.close_match === false) $("status").textContent += " · geen vergelijkbaar eerder antwoord";
    if (count) window.Vraagbaak.showAskedByYear(params, () => token === searchToken);
  } catch (error) {
    if (token !== searchToken) return;
    clearResults();
    setStatus(`Zoeken is niet gelukt: ${error.message}`, true);
  } finally {
    if (token === searchToken) button.disabled = false;
  }
}

function submitSearch(event) {
  event.preventDefault();
  if (!$("question").value.trim()) {
    setStatus("Typ eerst een vraag.", true);
    $("question").focus();
    return;
  }
  const from = $("date-from").value;
  const to = $("date-to").value;
  if (from && to && from > to) {
    setStatus("De datum 'vanaf' ligt na de datum 'tot en met'; draai ze om.", true);
    $("date-from").focus();
    return;
  }
  const query = "?" + formParams().toString();
  if (query === location.search) {
    shownSearch = null; // the same search again: run it again
    route();
  } else {
    navigate(query);
  }
}

// ------------------------------------------------------------------ monitors (saved searches with a feed)

let monitorParams = null; // the search a new monitor would save
let monitorId = null; // the monitor made on this page, until it is removed

function resetMonitor(params) {
  monitorParams = new URLSearchParams(params);
  monitorId = null;
  $("monitor-box").hidden = false;
  $("monitor-result").hidden = true;
  $("copy-feed").textContent = "Kopieer feed-link";
  setStatus("", false, "monitor-status");
}

// The filters of the search on the page, as POST /v1/monitors wants them.
function monitorFilters(params) {
  const filters = { parties: params.getAll("party"), doc_ids: params.getAll("doc_id") };
  if (params.get("date_from")) filters.date_from = params.get("date_from");
  if (params.get("date_to")) filters.date_to = params.get("date_to");
  if (params.get("include_unanswered") === "true") filters.include_unanswered = true;
  return filters;
}

function adminHeaders() {
  return { "X-API-Key": $("admin-key").value, "Content-Type": "application/json" };
}

async function createMonitor() {
  if (!monitorParams) return;
  if (!$("admin-key").value) {
    setStatus("Vul eerst de beheersleutel in.", true, "monitor-status");
    $("admin-key").focus();
    return;
  }
  setStatus("Monitor maken…", false, "monitor-status");
  try {
    const body = { question: monitorParams.get("q"), filters: monitorFilters(monitorParams) };
    const monitor = await fetchJson("/v1/monitors", { method: "POST", headers: adminHeaders(), body: JSON.stringify(body) });
    monitorId = monitor.monitor_id;
    const feed = $("monitor-feed");
    feed.href = monitor.feed_url;
    feed.textContent = "Atom-feed van deze monitor";
    $("monitor-result").hidden = false;
    setStatus("Monitor gemaakt. Zet de feed-link in een feedlezer.", false, "monitor-status");
  } catch (error) {
    setStatus(`Monitor maken is niet gelukt: ${error.message}`, true, "monitor-status");
  }
}

async function deleteMonitor() {
  if (!monitorId) return;
  try {
    const response = await fetch(`/v1/monitors/${encodeURIComponent(monitorId)}`, {
      method: "DELETE", headers: adminHeaders(),
    });
    if (!response.ok && response.status !== 404) {
      const body = await response.json().catch(() => null);
      throw new Error(body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`);
    }
    monitorId = null;
    $("monitor-result").hidden = true;
    setStatus("Monitor verwijderd; de feed bestaat niet meer.", false, "monitor-status");
  } catch (error) {
    setStatus(`Verwijderen is niet gelukt: ${error.message}`, true, "monitor-status");
  }
}

// ------------------------------------------------------------------ document view

function unitHeading(unit) {
  if (unit.question_numbers.length) {
    return (unit.question_numbers.length === 1 ? "Vraag " : "Vragen ") + unit.question_numbers.join(", ");
  }
  return unit.section ? `§ ${unit.section}` : unit.number !== null ? `Passage ${unit.number}` : "Passage";
}

function shortText(text) {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= TOC_CHARS ? line : line.slice(0, TOC_CHARS - 1).trimEnd() + "…";
}

function renderDocUnit(unit) {
  const item = $("doc-unit-template").content.firstElementChild.cloneNode(true);
  item.dataset.unitId = unit.unit_id;
  item.querySelector(".unit-heading").textContent = unitHeading(unit) + (unit.party ? ` (${unit.party})` : "");
  if (unit.question) item.querySelector(".question").textContent = unit.question;
  else {
    item.querySelector(".question-block").hidden = true;
    item.querySelector(".answer-block h4").textContent = "Tekst"; // a prose passage answers nothing
  }
  if (unit.answered) item.querySelector(".answer").textContent = unit.answer;
  else item.querySelector(".answer").textContent = "Nog niet beantwoord.";
  item.querySelector(".footnotes").hidden = fillFootnotes(item.querySelector(".footnotes ol"), unit.footnotes) === 0;
  fillRefs(item.querySelector(".refs"), unit.refs);
  fillRefs(item.querySelector(".referenced-by"), unit.referenced_by);
  item.querySelector(".citation").textContent = unit.citation.formatted;
  wireCopy(item.querySelector(".copy"), unit.citation.formatted, "Bronvermelding gekopieerd.", "doc-status");
  return item;
}

function documentMeta(detail) {
  const parts = [KINDS[detail.kind] || detail.kind];
  if (detail.dossier) parts.push(`Kamerstuk ${detail.dossier}` + (detail.kamerstuk_nr ? `, nr. ${detail.kamerstuk_nr}` : ""));
  parts.push(datesLine({ document_date: detail.date, submitted: detail.submitted, received: detail.received }));
  parts.push(`${detail.units} ${detail.units === 1 ? "eenheid" : "eenheden"}`);
  parts.push(`bestand ${detail.source_file}`);
  return parts.join(" · ");
}

// The public page of a synced document, and the other documents of its Zaak (question, notice, answer).
function renderSourceAndRelated(detail) {
  $("doc-source").hidden = !detail.url;
  if (detail.url) $("doc-url").href = detail.url;
  const list = $("doc-related").querySelector("ul");
  list.replaceChildren();
  for (const related of detail.related || []) {
    const item = element("li");
    const label = `${KINDS[related.kind] || related.kind}: ${related.title}` +
      (related.date ? ` (${dutchDate(related.date)})` : "") + (related.units === 0 ? " — beantwoord in het antwoord" : "");
    item.append(docLink(label, related.doc_id, null));
    list.append(item);
  }
  $("doc-related").hidden = list.children.length === 0;
}

function renderDocument(detail) {
  $("doc-title").textContent = detail.title;
  $("doc-meta").textContent = documentMeta(detail);
  renderSourceAndRelated(detail);
  // Contents: each question, or for prose the first passage under each heading.
  const toc = $("doc-toc").querySelector("ol");
  toc.replaceChildren();
  let section = null;
  for (const unit of detail.unit_list) {
    let label = null;
    if (unit.question) label = `${unitHeading(unit)}: ${shortText(unit.question)}`;
    else if (unit.section && unit.section !== section) label = `§ ${shortText(unit.section)}`;
    section = unit.section;
    if (!label) continue;
    const item = element("li");
    item.dataset.unitId = unit.unit_id;
    item.append(docLink(label, detail.doc_id, unit.unit_id));
    toc.append(item);
  }
  const hasToc = toc.children.length > 0;
  $("doc-toc").hidden = !hasToc;
  $("doc-toc").querySelector("h3").textContent = detail.unit_list.some((unit) => unit.question)
    ? "Vragen in dit document" : "Inhoud";
  document.querySelector(".doc-layout").classList.toggle("no-toc", !hasToc);
  const part = detail.window;
  $("doc-units").replaceChildren(...part.units.map(renderDocUnit));
  const shown = part.units.length;
  setStatus(shown < part.total
    ? `Eenheden ${part.offset + 1} tot en met ${part.offset + shown} van ${part.total}; ` +
      "kies een vraag in de lijst voor de rest."
    : "", false, "doc-status");
}

function findIn(container, unitId) {
  return container.querySelector(`[data-unit-id="${CSS.escape(unitId)}"]`);
}

// Highlights the unit, scrolls it to the top and moves focus there (for keyboard and screen reader).
function focusUnit(unitId) {
  for (const node of document.querySelectorAll("#doc-view .target, #doc-view [aria-current]")) {
    node.classList.remove("target");
    node.removeAttribute("aria-current");
  }
  const target = unitId ? findIn($("doc-units"), unitId) : null;
  if (!target) {
    window.scrollTo(0, 0);
    $("doc-title").focus({ preventScroll: true });
    return;
  }
  target.classList.add("target");
  const entry = findIn($("doc-toc"), unitId);
  if (entry) {
    entry.setAttribute("aria-current", "true");
    entry.scrollIntoView({ block: "nearest" }); // the list's own scroll; the unit's scroll below wins
  }
  target.scrollIntoView({ block: "start" });
  target.focus({ preventScroll: true });
}

async function showDocument(docId, unitId) {
  const loaded = shownDocument && shownDocument.doc_id === docId;
  const inWindow = loaded && (!unitId || shownDocument.window.units.some((unit) => unit.unit_id === unitId));
  let missing = null; // a unit the URL names that the document does not hold
  if (!inWindow) {
    $("doc-units").replaceChildren();
    setStatus("Document laden…", false, "doc-status");
    try {
      try {
        shownDocument = await fetchWindow(docId, unitId);
      } catch (error) {
        if (!unitId) throw error;
        shownDocument = await fetchWindow(docId, null); // the document exists, the unit not: show its start
        missing = error.message;
      }
    } catch (error) {
      shownDocument = null;
      $("doc-title").textContent = "Document niet gevonden";
      $("doc-meta").textContent = "";
      $("doc-toc").hidden = true;
      setStatus(`Kon het document niet laden: ${error.message}`, true, "doc-status");
      return;
    }
    renderDocument(shownDocument);
  }
  focusUnit(missing ? null : unitId);
  if (missing) setStatus(`Deze eenheid staat niet in het document (${missing}).`, true, "doc-status");
}

function fetchWindow(docId, unitId) {
  const params = new URLSearchParams({ full: "true", limit: String(WINDOW) });
  if (unitId) params.set("unit", unitId);
  return fetchJson(`/v1/documents/${encodeURIComponent(docId)}?${params.toString()}`);
}

// ------------------------------------------------------------------ routing

function showView(name) {
  $("search-view").hidden = name !== "search";
  $("doc-view").hidden = name !== "doc";
  $("questions-view").hidden = name !== "questions";
  $("nav-search").toggleAttribute("aria-current", name === "search");
  $("nav-questions").toggleAttribute("aria-current", name === "questions");
}

// Draws what the URL says: a document at a unit, or a search (run again only when it changed).
async function route() {
  const params = new URLSearchParams(location.search);
  if (params.get("view") === "vragen") {
    showView("questions");
    await window.Vraagbaak.showQuestions(params);
    return;
  }
  if (params.get("doc")) {
    showView("doc");
    await showDocument(params.get("doc"), params.get("unit"));
    return;
  }
  showView("search");
  fillForm(params);
  if (!params.get("q")) {
    searchToken++;
    clearResults();
    setStatus("");
  } else if (location.search !== shownSearch) {
    await runSearch(params);
  }
}

async function loadFilters() {
  try {
    const listing = await fetchJson("/v1/documents");
    const parties = new Set();
    for (const doc of listing.documents) {
      for (const party of doc.parties) parties.add(party);
      const option = element("option", doc.dossier ? `${doc.title} (${doc.dossier})` : doc.title);
      option.value = doc.doc_id;
      $("doc").append(option);
    }
    for (const party of [...parties].sort((a, b) => a.localeCompare(b, "nl"))) {
      const option = element("option", party);
      option.value = party;
      $("party").append(option);
    }
  } catch (error) {
    setStatus(`De filters konden niet worden geladen: ${error.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("search-form").addEventListener("submit", submitSearch);
  for (const link of [$("nav-search"), $("nav-questions")]) followInPage(link);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submitSearch(event);
  });
  wireCopy($("copy-md"), () => fetchText($("export-md").href), "Resultaten als Markdown gekopieerd.");
  wireCopy($("copy-link"), () => location.href, "Link naar deze zoekopdracht gekopieerd.");
  wireCopy($("copy-feed"), () => $("monitor-feed").href, "Feed-link gekopieerd.", "monitor-status");
  $("monitor-form").addEventListener("submit", (event) => {
    event.preventDefault();
    createMonitor();
  });
  $("delete-monitor").addEventListener("click", deleteMonitor);
  $("doc-back").addEventListener("click", (event) => {
    event.preventDefault();
    navigate(shownSearch || "/"); // the results last shown, drawn again without a new search
  });
  window.addEventListener("popstate", route);
  // The form is filled from the URL before anything is awaited: filled after the filters had
  // loaded, it wiped a question typed meanwhile, and the drafter's first click found it empty.
  const routed = route();
  await loadFilters();
  selectFilters(new URLSearchParams(location.search)); // their options exist only now
  await routed;
});
