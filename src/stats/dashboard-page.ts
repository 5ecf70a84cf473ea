// The dashboard page's own style and script, inlined by renderDashboard. The script is plain
// browser JavaScript (ES2017) kept as a string: it runs in the page, never in Node, and must not
// pass through a bundler that could rename or wrap it. It reads the view from the JSON element
// and only ever inserts data with textContent; links keep only http(s) URLs.

export const DASHBOARD_CSS = `
:root { --fg: #1a202c; --muted: #5a6577; --line: #e2e8f0; --bg: #f7f9fb; --card: #fff;
  --accent: #3b5bdb; --warn: #b7791f; --bad: #c53030; --good: #2f855a; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 20px 32px; background: var(--bg);
  color: var(--fg); font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header h1 { font-size: 20px; margin: 0; }
header p { margin: 2px 0 12px; color: var(--muted); }
h2 { font-size: 14px; margin: 0 0 8px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 8px;
  margin-bottom: 12px; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.figures.small { margin: 0; grid-template-columns: repeat(2, 1fr); }
.figures.small .figure { border: none; padding: 4px 0; }
.figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure .value .more { font-size: 13px; font-weight: 500; }
.figure .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.figure .note { color: var(--muted); font-size: 12px; }
.figure.unknown .value { color: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card.wide { margin-top: 12px; }
.chart { position: relative; height: 220px; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.note:empty { display: none; }
.empty { color: var(--muted); margin: 0; padding: 80px 0; text-align: center; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
td.goal { white-space: normal; min-width: 220px; }
th.num, td.num { text-align: right; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.unknown { color: var(--warn); }
td.outcome-success { color: var(--good); }
td.outcome-failure { color: var(--bad); }
td.outcome-spot-check { color: var(--warn); }
ul.blocked { margin: 0; padding-left: 18px; }
ul.blocked li { margin: 2px 0; }
ul.blocked .by { color: var(--bad); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
footer { color: var(--muted); font-size: 12px; margin-top: 12px; }
`;

export const DASHBOARD_CLIENT_JS = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var view = data.view;
  var charts = {};
  var table = { key: null, direction: null };
  window.__dashboard = { report: data.report, view: view, charts: charts, table: table, ready: false };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }
  function link(text, url) {
    var href = safeUrl(url);
    if (!href) return el("span", null, text);
    var a = el("a", null, text);
    a.href = href;
    a.rel = "noopener noreferrer";
    return a;
  }
  function note(id, text) {
    var node = document.getElementById(id);
    node.textContent = text || "";
  }
  function empty(id, text) {
    var box = document.getElementById("box-" + id);
    box.textContent = "";
    box.appendChild(el("p", "empty", text));
  }
  function usd(value) {
    return "$" + Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function runs(count) {
    return count + (count === 1 ? " run" : " runs");
  }
  function duration(seconds) {
    var s = Math.round(seconds);
    if (s < 60) return s + " s";
    if (s < 3600) return Math.round(s / 60) + " min";
    return Math.round(s / 360) / 10 + " h";
  }

  document.title = view.title;
  document.getElementById("title").textContent = view.title;
  document.getElementById("subtitle").textContent = view.subtitle;
  document.getElementById("footer").textContent =
    "goal-orchestrator · charts by " + view.library + " · the report is in data.json";

  function figures(container, items) {
    items.forEach(function (item) {
      var box = el("div", "figure" + (item.unknown ? " unknown" : ""));
      var value = el("div", "value", item.value);
      if (item.more) {
        value.appendChild(document.createTextNode(" "));
        value.appendChild(el("span", "more", item.more));
      }
      box.appendChild(value);
      box.appendChild(el("div", "label", item.label));
      if (item.note) box.appendChild(el("div", "note", item.note));
      container.appendChild(box);
    });
  }
  figures(document.getElementById("headline"), view.headline);
  figures(document.getElementById("rates"), view.rates);

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;
  Chart.defaults.color = "#5a6577";
  var COLORS = {
    done: "#2f855a", queued: "#3b5bdb", running: "#dd6b20",
    cost: "#5a67d8", costUnknown: "#b3bcf5", llm: "#805ad5", tools: "#319795", overhead: "#a0aec0"
  };
  function make(key, config) {
    charts[key] = new Chart(document.getElementById("chart-" + key), config);
  }
  var dollarAxis = { beginAtZero: true, ticks: { callback: function (v) { return "$" + v; } } };

  // Goals done per day.
  if (view.doneByDay.labels.length === 0) {
    empty("done", "No runs in this report.");
  } else {
    make("done", {
      type: "bar",
      data: { labels: view.doneByDay.labels, datasets: [{ label: "goals done", data: view.doneByDay.values, backgroundColor: COLORS.done }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  // Queue depth over time.
  if (!view.queue) {
    empty("queue", "No state history in this source (local stats files record runs only).");
  } else {
    var points = view.queue.points;
    var DAY = 86400000;
    var first = points[0].x, last = points[points.length - 1].x;
    var byDay = last - first >= 2 * DAY;
    var stamp = function (ms) { return new Date(ms).toISOString().slice(5, 16).replace("T", " "); };
    var series = function (field) {
      return points.map(function (p) { return { x: p.x, y: p[field] }; });
    };
    make("queue", {
      type: "line",
      data: { datasets: [
        { label: "queued", data: series("queued"), borderColor: COLORS.queued, backgroundColor: COLORS.queued, stepped: true, pointRadius: 0, borderWidth: 2 },
        { label: "running", data: series("running"), borderColor: COLORS.running, backgroundColor: COLORS.running, stepped: true, pointRadius: 0, borderWidth: 2 }
      ] },
      options: {
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: byDay
            ? { type: "linear", min: Math.floor(first / DAY) * DAY, ticks: { stepSize: DAY, callback: function (v) { return stamp(v).slice(0, 5); } } }
            : { type: "linear", ticks: { maxTicksLimit: 8, callback: stamp } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? new Date(items[0].parsed.x).toISOString().slice(0, 16).replace("T", " ") + " UTC" : ""; } } } }
      }
    });
  }

  // Cost per day: lighter bars where some runs did not report a cost.
  if (view.costByDay.labels.length === 0) {
    empty("cost-day", "No runs in this report.");
  } else {
    make("cost-day", {
      type: "bar",
      data: { labels: view.costByDay.labels, datasets: [{
        label: "cost (USD)",
        data: view.costByDay.values,
        backgroundColor: view.costByDay.unknown.map(function (u) { return u > 0 ? COLORS.costUnknown : COLORS.cost; })
      }] },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          label: function (ctx) { return ctx.raw === null ? "unknown" : usd(ctx.raw); },
          afterLabel: function (ctx) { var u = view.costByDay.unknown[ctx.dataIndex]; return u > 0 ? "+ " + runs(u) + " unknown" : ""; }
        } } },
        scales: { y: dollarAxis }
      }
    });
  }
  note("note-cost-day", view.costByDay.note);

  // Cost per goal, most expensive first.
  if (view.costByGoal.labels.length === 0) {
    empty("cost-goal", "No goal has a known cost.");
  } else {
    make("cost-goal", {
      type: "bar",
      data: { labels: view.costByGoal.labels.map(function (l) { return l.length > 30 ? l.slice(0, 29) + "…" : l; }), datasets: [{
        label: "cost (USD)",
        data: view.costByGoal.values,
        backgroundColor: view.costByGoal.unknown.map(function (u) { return u > 0 ? COLORS.costUnknown : COLORS.cost; })
      }] },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: {
          title: function (items) { return items.length ? view.costByGoal.labels[items[0].dataIndex] : ""; },
          label: function (ctx) { return usd(ctx.raw); },
          afterLabel: function (ctx) { var u = view.costByGoal.unknown[ctx.dataIndex]; return u > 0 ? "+ " + runs(u) + " unknown" : ""; }
        } } },
        scales: { x: dollarAxis }
      }
    });
  }
  note("note-cost-goal", view.costByGoal.note);

  // LLM / tools / overhead.
  if (!view.split) {
    empty("split", "unknown: no run reported how its time was spent.");
  } else {
    var total = view.split.seconds.reduce(function (a, b) { return a + b; }, 0);
    make("split", {
      type: "doughnut",
      data: {
        labels: view.split.labels.map(function (label, i) {
          var share = total > 0 ? Math.round((view.split.seconds[i] / total) * 100) : 0;
          return label + " " + share + "% (" + duration(view.split.seconds[i]) + ")";
        }),
        datasets: [{ data: view.split.seconds, backgroundColor: [COLORS.llm, COLORS.tools, COLORS.overhead] }]
      },
      options: { plugins: { legend: { position: "right" }, tooltip: { callbacks: { label: function (ctx) { return ctx.label; } } } } }
    });
    note("note-split", view.split.note);
  }

  // Queued goals that cannot run until a human acts on a stuck dependency.
  if (!view.blocked) {
    note("note-blocked", "No goal states in this source (local stats files record runs only).");
  } else if (view.blocked.items.length === 0) {
    note("note-blocked", "No queued goal waits for a stuck dependency.");
  } else {
    var blockedList = document.getElementById("blocked");
    view.blocked.items.forEach(function (item) {
      var li = el("li");
      li.appendChild(link(item.label, item.href));
      li.appendChild(el("span", "by", " · blocked by " + item.by + " (stuck)"));
      blockedList.appendChild(li);
    });
    note("note-blocked", "Queued, but each waits for a goal:stuck dependency: fix and queue it again, or remove the dependency.");
  }

  // The runs table: click a header to sort; unknown values sort last either way.
  var head = document.querySelector("#runs thead tr");
  var body = document.querySelector("#runs tbody");
  function compare(key, direction) {
    return function (a, b) {
      var x = a.row[key].sort, y = b.row[key].sort;
      if (x === null && y === null) return a.index - b.index;
      if (x === null) return 1;
      if (y === null) return -1;
      var order = x < y ? -1 : x > y ? 1 : 0;
      return (direction === "ascending" ? order : -order) || a.index - b.index;
    };
  }
  function renderRows() {
    var entries = view.rows.map(function (row, index) { return { row: row, index: index }; });
    if (table.key) entries.sort(compare(table.key, table.direction));
    body.textContent = "";
    entries.forEach(function (entry) {
      var tr = el("tr");
      view.columns.forEach(function (column) {
        var c = entry.row[column.key];
        var classes = [column.key];
        if (column.numeric) classes.push("num");
        if (c.unknown) classes.push("unknown");
        if (column.key === "outcome") classes.push("outcome-" + c.text);
        var td = el("td", classes.join(" "));
        td.appendChild(link(c.text, c.href));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    Array.prototype.forEach.call(head.children, function (th) {
      if (th.dataset.key === table.key) th.setAttribute("aria-sort", table.direction);
      else th.removeAttribute("aria-sort");
    });
  }
  view.columns.forEach(function (column) {
    var th = el("th", column.numeric ? "num" : "");
    th.dataset.key = column.key;
    var button = el("button", null, column.label);
    button.type = "button";
    button.addEventListener("click", function () {
      if (table.key === column.key) {
        table.direction = table.direction === "ascending" ? "descending" : "ascending";
      } else {
        table.key = column.key;
        table.direction = column.numeric ? "descending" : "ascending";
      }
      renderRows();
    });
    th.appendChild(button);
    head.appendChild(th);
  });
  renderRows();
  note("note-runs", view.rows.length === 0
    ? "No runs in this report."
    : view.rowsOmitted > 0
      ? "The " + view.rows.length + " most recent runs; " + view.rowsOmitted + " older ones are in data.json."
      : null);

  window.__dashboard.ready = true;
})();
`;
