/* Draws the report's charts with the inlined Chart.js from the report JSON in #report-data. When every
   chart has been drawn, body gets data-charts-rendered="<number of charts>" and each canvas a data-rect
   "x,y,width,height" (CSS pixels from the top left of the page); on failure body gets data-charts-error. */
(function () {
  'use strict';
  var body = document.body;
  try {
    var report = JSON.parse(document.getElementById('report-data').textContent);
    var DIRECT = 'rgb(54, 162, 235)';
    var PROXY = 'rgb(255, 99, 132)';
    var datasets = (report.datasets || []).filter(Boolean);
    var workloads = (report.workloads || []).filter(Boolean);
    var canvases = Array.prototype.slice.call(document.querySelectorAll('canvas[data-chart]'));

    // The same figures as the tables (see Fmt.java): en-US grouping, fixed decimals.
    function numberFormat(min, max) {
      return new Intl.NumberFormat('en-US', {minimumFractionDigits: min, maximumFractionDigits: max});
    }
    var f0 = numberFormat(0, 0), f1 = numberFormat(1, 1), tick = numberFormat(0, 1);
    function bytes(v) { return f1.format(v); }
    function rate(v) { return f0.format(v); }
    function micros(v) { return Math.abs(v) < 100 ? f1.format(v) : f0.format(v); }
    function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
    function pick(mode, field) { return mode ? num(mode[field]) : null; }
    function latency(l, field) { return l ? num(l[field]) : null; }

    Chart.defaults.font.family = getComputedStyle(body).fontFamily;
    Chart.defaults.color = '#1f2328';
    Chart.defaults.animation = false;

    var drawn = {}, drawnCount = 0;
    var renderedFlag = {
      id: 'renderedFlag',
      afterRender: function (chart) {
        var id = chart.canvas.id;
        if (drawn[id]) { return; }
        drawn[id] = true;
        drawnCount++;
        if (drawnCount === canvases.length) { finished(); }
      }
    };

    // Each bar's value above it (tooltips do not show in a screenshot or on paper). A plugin per chart:
    // Chart.js would call a function given as an option with its own context (scriptable options).
    function valueLabels(fmt) {
      return {
        id: 'valueLabels',
        afterDatasetsDraw: function (chart) {
          var ctx = chart.ctx;
          ctx.save();
          ctx.font = '11px ' + Chart.defaults.font.family;
          ctx.fillStyle = '#1f2328';
          ctx.textAlign = 'center';
          ctx.textBaseline = 'bottom';
          chart.data.datasets.forEach(function (ds, i) {
            var meta = chart.getDatasetMeta(i);
            if (meta.hidden) { return; }
            meta.data.forEach(function (bar, j) {
              var v = ds.data[j];
              if (v === null || v === undefined) { return; }
              var text = fmt(v);
              // Only where it fits: wider than the bar plus the gap to its neighbour, labels would collide.
            if (ctx.measureText(text).width > bar.width / 0.9) { return; }
              ctx.fillText(text, bar.x, bar.y - 3);
            });
          });
          ctx.restore();
        }
      };
    }

    function barChart(id, title, labels, direct, proxy, yTitle, fmt, log, x, tooltipTitles) {
      var canvas = document.getElementById(id);
      if (!canvas) { return; }
      var y = {title: {display: true, text: yTitle}};
      if (log) {
        var values = direct.concat(proxy).filter(function (v) { return v !== null && v > 0; });
        var max = values.length ? Math.max.apply(null, values) : 1;
        y.type = 'logarithmic';
        y.max = Math.pow(10, Math.ceil(Math.log10(max * 2)));
        // Label 1, 2 and 5 of each decade only; the other grid lines stay unlabelled.
        y.ticks = {callback: function (v) {
          var mantissa = Math.round(v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9)) * 1000) / 1000;
          return mantissa === 1 || mantissa === 2 || mantissa === 5 ? tick.format(v) : '';
        }};
        direct = direct.map(function (v) { return v !== null && v > 0 ? v : null; });
        proxy = proxy.map(function (v) { return v !== null && v > 0 ? v : null; });
      } else {
        y.type = 'linear';
        y.beginAtZero = true;
        y.grace = '12%';
        y.ticks = {callback: function (v) { return tick.format(v); }};
      }
      // With few categories, keep a category's two bars next to each other rather than far apart.
      var categoryPercentage = Math.min(0.8, 0.25 * Math.max(1, labels.length));
      function series(label, data, color) {
        return {label: label, data: data, backgroundColor: color, borderColor: color, borderWidth: 0,
                maxBarThickness: 56, categoryPercentage: categoryPercentage};
      }
      new Chart(canvas, {
        type: 'bar',
        data: {labels: labels, datasets: [series('direct', direct, DIRECT), series('proxy', proxy, PROXY)]},
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: {x: x || {grid: {display: false}}, y: y},
          plugins: {
            title: {display: true, text: title, font: {size: 15, weight: 'bold'}},
            legend: {position: 'top'},
            tooltip: {callbacks: {
              title: function (items) {
                return items.length ? (tooltipTitles || labels)[items[0].dataIndex] : '';
              },
              label: function (c) { return c.dataset.label + ': ' + fmt(c.parsed.y); }
            }}
          }
        },
        plugins: [valueLabels(fmt), renderedFlag]
      });
    }

    var names = datasets.map(function (d) { return d.dataset; });
    barChart('chart-bytes', 'Memory: bytes per key (used_memory)', names,
        datasets.map(function (d) { return pick(d.direct, 'bytesPerKey'); }),
        datasets.map(function (d) { return pick(d.proxy, 'bytesPerKey'); }),
        'bytes per key', bytes, false);
    barChart('chart-load', 'Load throughput (keys/s)', names,
        datasets.map(function (d) { return pick(d.direct, 'keysPerSecond'); }),
        datasets.map(function (d) { return pick(d.proxy, 'keysPerSecond'); }),
        'keys per second', rate, false);

    var percentiles = [['p50', 'p50Micros'], ['p99', 'p99Micros'], ['p99.9', 'p999Micros']];
    // One category per dataset and percentile; the dataset's name once, under its middle (p99) category,
    // and a grid line between datasets.
    var latencyLabels = [], latencyTitles = [], latencyDirect = [], latencyProxy = [];
    datasets.forEach(function (d) {
      percentiles.forEach(function (p, i) {
        latencyLabels.push([p[0], i === 1 ? d.dataset : '']);
        latencyTitles.push(d.dataset + ' ' + p[0]);
        latencyDirect.push(latency(d.direct && d.direct.latency, p[1]));
        latencyProxy.push(latency(d.proxy && d.proxy.latency, p[1]));
      });
    });
    barChart('chart-latency', 'Load latency p50 / p99 / p99.9 (µs, log scale)', latencyLabels,
        latencyDirect, latencyProxy, 'microseconds', micros, true,
        {
          ticks: {autoSkip: false, maxRotation: 0},
          grid: {offset: true, drawTicks: false,
                 color: function (c) { return c.index % percentiles.length === 0 ? '#d0d7de' : 'transparent'; }}
        },
        latencyTitles);

    barChart('chart-workloads', 'Workloads (ops/s)',
        workloads.map(function (w) {
          return [w.workload, w.dataset + ', ' + w.clients + '×' + w.pipeline];
        }),
        workloads.map(function (w) { return num(w.opsPerSecondDirect); }),
        workloads.map(function (w) { return num(w.opsPerSecondProxy); }),
        'operations per second', rate, false);

    if (canvases.length === 0) { finished(); }
  } catch (e) {
    body.dataset.chartsError = String(e && e.message || e);
    var box = document.getElementById('chart-error');
    if (box) { box.textContent = 'Charts could not be drawn: ' + body.dataset.chartsError; }
    throw e;
  }

  function finished() {
    canvases.forEach(function (c) {
      var r = c.getBoundingClientRect();
      c.dataset.rect = [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]
          .map(Math.round).join(',');
    });
    body.dataset.devicePixelRatio = String(window.devicePixelRatio || 1);
    body.dataset.chartsRendered = String(canvases.length);
  }
})();
