// The drafters' page. Every piece of document text is set with textContent, never innerHTML,
// so markup in a document (script tags, onerror attributes, javascript: links) stays inert text.
"use strict";

const MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
  "september", "oktober", "november", "december"];
const SIGNALS = { question: "vraag", answer: "antwoord", lexical: "trefwoorden" };

const $ = (id) => document.getElementById(id);

function dutchDate(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

function setStatus(text, isError = false) {
  const status = $("status");
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

function unitUrl(unitId) {
  return "/v1/units/" + encodeURIComponent(unitId);
}

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
    const parts = [];
    parts.push(element("p", unit.document.title, "document-title"));
    if (unit.page) parts.push(element("p", `Pagina ${unit.page}`));
    const notes = Object.entries(unit.footnotes || {});
    if (notes.length) {
      parts.push(element("h3", "Voetnoten"));
      const list = element("ol");
      for (const [number, note] of notes) {
        const item = element("li", note);
        item.value = Number(number);
        list.append(item);
      }
      parts.push(list);
    }
    if ((unit.refs || []).length) {
      parts.push(element("h3", "Verwijst naar"));
      const list = element("ul");
      for (const ref of unit.refs) {
        const item = element("li");
        if (ref.url) {
          const link = element("a", ref.unit_id);
          link.href = unitUrl(ref.unit_id); // built from our own path, never from document text
          item.append(link);
        } else {
          item.textContent = `${ref.unit_id} (niet in de index)`;
        }
        list.append(item);
      }
      parts.push(list);
    }
    if (parts.length === 1) parts.push(element("p", "Geen voetnoten of verwijzingen."));
    detail.replaceChildren(...parts);
  } catch (error) {
    detail.replaceChildren(element("p", `Kon de eenheid niet laden: ${error.message}`));
  }
}

function renderCard(result) {
  const card = $("card-template").content.firstElementChild.cloneNode(true);
  const citation = result.citation;
  card.dataset.unitId = result.unit_id;
  card.querySelector(".rank").textContent = `#${result.rank}`;
  if (citation.party) {
    const party = card.querySelector(".party");
    party.textContent = citation.party;
    party.hidden = false;
  }
  if (citation.answered === false) {
    card.querySelector(".unanswered").hidden = false;
    card.querySelector(".answer-block").hidden = true;
  }
  if (citation.date) {
    const date = card.querySelector(".date");
    date.textContent = dutchDate(citation.date);
    date.hidden = false;
  }
  card.querySelector(".matched").textContent =
    "gevonden via " + result.matched.map((signal) => SIGNALS[signal] || signal).join(", ");
  const number = result.number !== null ? `Vraag ${result.number} — ` : "";
  card.querySelector(".card-title").textContent = number + citation.document_title;
  if (result.question) {
    card.querySelector(".question").textContent = result.question;
  } else {
    card.querySelector(".question-block").hidden = true;
  }
  fillHighlighted(card.querySelector(".answer"), result.answer, result.highlights);
  card.querySelector(".citation").textContent = citation.formatted;
  const copy = card.querySelector(".copy");
  copy.addEventListener("click", async () => {
    try {
      await copyText(citation.formatted);
      copy.textContent = "Gekopieerd";
      setStatus("Bronvermelding gekopieerd.");
    } catch (error) {
      setStatus(`Kopiëren is niet gelukt: ${error.message}`, true);
    }
  });
  const link = card.querySelector(".unit-link");
  link.href = unitUrl(result.unit_id);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showUnit(card, result.unit_id);
  });
  return card;
}

function searchUrl() {
  const params = new URLSearchParams();
  params.set("q", $("question").value);
  params.set("k", $("k").value || "5");
  params.set("mode", $("mode").value);
  if ($("party").value) params.append("party", $("party").value);
  if ($("doc").value) params.append("doc_id", $("doc").value);
  if ($("unanswered").checked) params.set("include_unanswered", "true");
  return params;
}

async function search(event) {
  if (event) event.preventDefault();
  const question = $("question").value.trim();
  if (!question) {
    setStatus("Typ eerst een vraag.", true);
    $("question").focus();
    return;
  }
  const params = searchUrl();
  history.replaceState(null, "", "?" + params.toString());
  const button = $("search-button");
  button.disabled = true;
  setStatus("Zoeken…");
  try {
    const response = await fetchJson("/v1/search?" + params.toString());
    const cards = response.results.map(renderCard);
    $("results").replaceChildren(...cards);
    const count = cards.length;
    setStatus(count
      ? `${count} ${count === 1 ? "resultaat" : "resultaten"} (${Math.round(response.took_ms)} ms)`
      : "Geen resultaten gevonden.");
  } catch (error) {
    $("results").replaceChildren();
    setStatus(`Zoeken is niet gelukt: ${error.message}`, true);
  } finally {
    button.disabled = false;
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

function restoreFromUrl() {
  const params = new URLSearchParams(location.search);
  if (!params.get("q")) return false;
  $("question").value = params.get("q");
  if (params.get("k")) $("k").value = params.get("k");
  if (params.get("mode")) $("mode").value = params.get("mode");
  $("unanswered").checked = params.get("include_unanswered") === "true";
  return true;
}

document.addEventListener("DOMContentLoaded", async () => {
  $("search-form").addEventListener("submit", search);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) search(event);
  });
  const pending = restoreFromUrl();
  await loadFilters();
  const params = new URLSearchParams(location.search);
  if (params.get("party")) $("party").value = params.get("party");
  if (params.get("doc_id")) $("doc").value = params.get("doc_id");
  if (pending) search();
});
