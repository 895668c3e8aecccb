package sim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// adapter is one served LoRA adapter: a model id besides the base model,
// answered like it, and counted for vllm:lora_requests_info.
type adapter struct {
	name      string
	modelJSON []byte // the adapter id as a JSON string, quotes included
	// waiting and running count its requests queued for and holding a
	// sequence slot; two atomic adds per request, read at scrape time.
	waiting, running atomic.Int64
}

func newAdapters(names []string) (map[string]*adapter, []*adapter, error) {
	if len(names) == 0 {
		return nil, nil, nil
	}
	byName := make(map[string]*adapter, len(names))
	list := make([]*adapter, 0, len(names))
	for _, n := range names {
		j, err := json.Marshal(n)
		if err != nil {
			return nil, nil, fmt.Errorf("sim: encode adapter name %q: %w", n, err)
		}
		a := &adapter{name: n, modelJSON: j}
		byName[n] = a
		list = append(list, a)
	}
	return byName, list, nil
}

// loraInfo is vLLM's vllm:lora_requests_info: one series whose labels list
// the adapters with waiting and running requests (comma-separated) and
// max_lora, and whose value is the scrape time in Unix seconds. The
// simulator has no adapter slots, so max_lora is the number served.
type loraInfo struct {
	desc     *prometheus.Desc
	adapters []*adapter
}

func newLoRAInfo(adapters []*adapter) *loraInfo {
	return &loraInfo{
		desc: prometheus.NewDesc("vllm:lora_requests_info", "Running stats on lora requests.",
			[]string{"max_lora", "waiting_lora_adapters", "running_lora_adapters"}, nil),
		adapters: adapters,
	}
}

// Describe implements prometheus.Collector.
func (l *loraInfo) Describe(ch chan<- *prometheus.Desc) { ch <- l.desc }

// Collect implements prometheus.Collector.
func (l *loraInfo) Collect(ch chan<- prometheus.Metric) {
	var waiting, running []string
	for _, a := range l.adapters {
		if a.waiting.Load() > 0 {
			waiting = append(waiting, a.name)
		}
		if a.running.Load() > 0 {
			running = append(running, a.name)
		}
	}
	now := float64(time.Now().UnixNano()) / 1e9
	ch <- prometheus.MustNewConstMetric(l.desc, prometheus.GaugeValue, now,
		strconv.Itoa(len(l.adapters)), strings.Join(waiting, ","), strings.Join(running, ","))
}
