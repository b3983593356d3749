/* The dashboard's charts (Apache ECharts, vendored). The data comes from the page
   (json_script "dashboard-data"), computed by the same statistics functions as
   /api/v1/statistics/; a click on any item opens the masked list of the cases it counts. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var palette = ["#5470c6", "#91cc75", "#b3261e", "#fac858", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"];
  var names = { received: "受理", concluded: "调结", succeeded: "调解成功" };

  function drill(params) {
    var query = Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
    }).join("&");
    window.location.href = data.drill + "&" + query;
  }

  function chart(id, option, onClick) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var instance = echarts.init(element);
    option.color = option.color || palette;
    option.textStyle = { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" };
    instance.setOption(option);
    if (onClick) { instance.on("click", onClick); }
    charts.push(instance);
  }

  function empty(id) {
    var element = document.getElementById(id);
    if (element) { element.innerHTML = '<p class="empty">本期暂无数据。</p>'; element.style.height = "auto"; }
  }

  // Received, concluded and succeeded per month.
  var months = data.months;
  if (months.labels.length) {
    chart("chart-months", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: months.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: ["received", "concluded", "succeeded"].map(function (key) {
        return { name: names[key], type: "bar", data: months[key], measure: key };
      })
    }, function (event) {
      drill({ measure: ["received", "concluded", "succeeded"][event.seriesIndex], month: event.name });
    });
  } else { empty("chart-months"); }

  // By dispute type (received).
  if (data.types.length) {
    chart("chart-types", {
      tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
      series: [{
        type: "pie", radius: ["35%", "68%"], center: ["50%", "52%"],
        data: data.types.map(function (t) { return { name: t.name, value: t.value, code: t.code }; }),
        label: { formatter: "{b}\n{c}" }
      }]
    }, function (event) { drill({ measure: "received", dispute_type: event.data.code }); });
  } else { empty("chart-types"); }

  // By town and street (the judicial office's area).
  if (data.areas.length) {
    chart("chart-areas", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 64 },
      xAxis: { type: "category", data: data.areas.map(function (a) { return a.name; }),
        axisLabel: { interval: 0, rotate: data.areas.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "受理", type: "bar", data: data.areas.map(function (a) { return a.value; }) },
        { name: "调结", type: "bar", data: data.areas.map(function (a) { return a.concluded; }) }
      ]
    }, function (event) {
      drill({ measure: event.seriesIndex === 0 ? "received" : "concluded", by_area: data.areas[event.dataIndex].id });
    });
  } else { empty("chart-areas"); }

  // Success rate and overdue by committee.
  var committees = data.committees.slice().reverse();
  if (committees.length) {
    var labels = committees.map(function (c) { return c.name; });
    chart("chart-committees", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: [
        { left: 16, width: "58%", top: 40, bottom: 24, containLabel: true },
        { left: "72%", right: 24, top: 40, bottom: 24, containLabel: true }
      ],
      yAxis: [
        { type: "category", gridIndex: 0, data: labels, axisLabel: { width: 220, overflow: "truncate" } },
        { type: "category", gridIndex: 1, data: labels, axisLabel: { show: false } }
      ],
      xAxis: [
        { type: "value", gridIndex: 0, max: 100, name: "%", axisLabel: { formatter: "{value}" } },
        { type: "value", gridIndex: 1, minInterval: 1, name: "件" }
      ],
      series: [
        { name: "调解成功率（%）", type: "bar", xAxisIndex: 0, yAxisIndex: 0, color: "#3ba272",
          barMaxWidth: 14, label: { show: true, position: "right", formatter: "{c}%" },
          data: committees.map(function (c) { return c.success_rate; }) },
        { name: "超期（件）", type: "bar", xAxisIndex: 1, yAxisIndex: 1, color: "#b3261e",
          barMaxWidth: 14, label: { show: true, position: "right" },
          data: committees.map(function (c) { return c.overdue; }) }
      ]
    }, function (event) {
      drill({ measure: event.seriesIndex === 0 ? "succeeded" : "overdue", by_committee: committees[event.dataIndex].id });
    });
  } else { empty("chart-committees"); }

  // Linkage: source → outcome (Sankey) of the cases that ended in the period.
  var flows = data.flows;
  if (flows.links.length) {
    var nodes = [];
    Object.keys(flows.sources).forEach(function (code) { nodes.push({ name: flows.sources[code], kind: "source", code: code }); });
    Object.keys(flows.outcomes).forEach(function (code) { nodes.push({ name: flows.outcomes[code], kind: "outcome", code: code }); });
    chart("chart-flows", {
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey", left: 8, right: 110, top: 8, bottom: 8, nodeGap: 14, nodeWidth: 16,
        label: { fontSize: 12 },
        emphasis: { focus: "adjacency" },
        lineStyle: { color: "gradient", curveness: 0.5 },
        data: nodes,
        links: flows.links.map(function (l) {
          return { source: flows.sources[l.source], target: flows.outcomes[l.outcome], value: l.value,
            sourceCode: l.source, outcomeCode: l.outcome };
        })
      }]
    }, function (event) {
      if (event.dataType === "edge") {
        drill({ measure: event.data.outcomeCode, source: event.data.sourceCode });
      } else if (event.data.kind === "source") {
        drill({ measure: "received", source: event.data.code });
      } else {
        drill({ measure: event.data.code });
      }
    });
  } else { empty("chart-flows"); }

  // Satisfaction: the average of the parties' stars.
  var rating = data.satisfaction;
  if (rating && rating.count) {
    chart("chart-satisfaction", {
      series: [{
        type: "gauge", min: 0, max: 5, splitNumber: 5, radius: "90%",
        progress: { show: true, width: 14 }, axisLine: { lineStyle: { width: 14 } },
        detail: { formatter: "{value} 星", fontSize: 22, offsetCenter: [0, "60%"] },
        data: [{ value: rating.average, name: rating.count + " 次评价" }]
      }]
    }, function () { drill({ measure: "rated" }); });
  } else { empty("chart-satisfaction"); }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
