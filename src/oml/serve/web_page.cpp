#include "oml/serve/web_page.h"

namespace oml::serve {

const std::string& web_page_html() {
  static const std::string page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>oml serve</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
#drop { border: 2px dashed #888; padding: 2em; text-align: center; border-radius: 8px; }
#drop.over { background: #eef; }
#query img { max-height: 160px; margin: 0.5em 0; }
.row { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 1em; }
.hit { width: 132px; font-size: 12px; border: 1px solid #ccc; border-radius: 4px; padding: 4px; }
.hit img { width: 128px; height: 128px; object-fit: contain; background: #f4f4f4; }
#error { color: #b00; }
</style>
</head>
<body>
<h1>oml serve</h1>
<p id="status">gallery: loading…</p>
<div id="drop">Drop an image here, or <input type="file" id="file" accept="image/*">
  top-k <input type="number" id="topk" value="10" min="1" max="100" style="width:4em"></div>
<p id="error"></p>
<div id="query"></div>
<h2>After re-ranking</h2><div class="row" id="after"></div>
<h2>Before re-ranking (nearest neighbours)</h2><div class="row" id="before"></div>
<p id="skipped"></p>
<script>
const $ = (id) => document.getElementById(id);
let loaded = 0;  // thumbnails decoded, exposed as data-loaded for the browser test
function hitCard(hit, rank) {
  const card = document.createElement('div');
  card.className = 'hit';
  card.dataset.row = hit.row;
  const img = document.createElement('img');
  img.src = '/gallery/' + hit.row + '/image';
  img.alt = hit.path;
  img.addEventListener('load', () => { loaded += 1; document.body.dataset.loaded = loaded; });
  const text = document.createElement('div');
  text.textContent = '#' + rank + ' row ' + hit.row + ' label ' + hit.label + ' d=' + hit.distance.toFixed(4);
  card.appendChild(img);
  card.appendChild(text);
  return card;
}
function show(list, target) {
  target.replaceChildren(...list.map((hit, i) => hitCard(hit, i + 1)));
}
async function search(file) {
  $('error').textContent = '';
  loaded = 0;
  const preview = document.createElement('img');
  preview.src = URL.createObjectURL(file);
  $('query').replaceChildren(preview);
  const form = new FormData();
  form.append('image', file);
  const response = await fetch('/search?top_k=' + encodeURIComponent($('topk').value), {method: 'POST', body: form});
  const body = await response.json();
  if (!response.ok) { $('error').textContent = body.error; $('after').replaceChildren(); $('before').replaceChildren(); return; }
  show(body.results, $('after'));
  show(body.retrieved, $('before'));
  $('skipped').textContent = body.skipped.length ? 'skipped: ' + body.skipped.join(', ') : '';
  document.body.dataset.done = 'yes';
}
$('file').addEventListener('change', (e) => { if (e.target.files.length) search(e.target.files[0]); });
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault(); drop.classList.remove('over');
  if (e.dataTransfer.files.length) search(e.dataTransfer.files[0]);
});
// ?example=ROW searches with a gallery item's own image (a link to share, and what the browser
// test opens, since a headless page cannot be handed a file).
const example = new URLSearchParams(location.search).get('example');
if (example !== null) {
  fetch('/gallery/' + encodeURIComponent(example) + '/image').then((r) => r.blob())
    .then((blob) => search(new File([blob], 'example')));
}
fetch('/health').then((r) => r.json()).then((h) => { $('status').textContent = 'gallery: ' + h.gallery_size + ' items, dimension ' + h.dim; });
</script>
</body>
</html>
)HTML";
  return page;
}

}  // namespace oml::serve
