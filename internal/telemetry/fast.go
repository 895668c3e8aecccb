package telemetry

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// fastPath records and exports the request spans when the exporter is
// OTLP, without the SDK's per-span machinery: the SDK's recording span
// (locks, attribute normalisation, a de-duplicating snapshot) and its
// exporter's conversion (two allocations per attribute, every batch) cost
// more CPU than the request itself. Here End encodes the span, its
// attributes built by the same endAttrs as the SDK path, straight into the
// OTLP wire format (a trace.v1.Span message) in a recycled buffer, and a
// batcher uploads batches through the official OTLP client (transport,
// headers, TLS, compression, retries are the library's), the encoded spans
// carried as the ScopeSpans message's spans field. Sampling uses the
// provider's sampler and the provider's ID generator rules, so a request is
// sampled exactly as the SDK would sample it. Stage and session spans stay
// on the SDK, sharing the client. TestFastPathEquivalence proves the spans
// are the SDK path's, field for field.
type fastPath struct {
	t       *Telemetry
	client  otlptrace.Client
	sampler sdktrace.Sampler
	ids     sdktrace.IDGenerator
	limits  sdktrace.SpanLimits
	bsp     bspSettings

	queue chan *fastSpan // ended spans waiting for the batcher
	free  chan *fastSpan // recycled spans
	flush chan chan struct{}

	stopOnce sync.Once
	closed   atomic.Bool // Shutdown began: like the SDK's, spans started later are not recorded
	stop     chan struct{}
	done     chan struct{}
	ctx      context.Context // the exports' parent, cancelled at Shutdown's bound
	cancel   context.CancelFunc

	// the batcher's own
	batch  []*fastSpan
	ss     *tracepb.ScopeSpans
	upload []*tracepb.ResourceSpans
	raw    []byte // the batch's spans, encoded as ScopeSpans field 2
}

// newFastPath starts the batcher of request spans uploading through c
// (already started), with the resource and scope the SDK path would send.
func newFastPath(t *Telemetry, c otlptrace.Client, s *settings, res *resource.Resource, scopeVersion, scopeSchema string, ids sdktrace.IDGenerator) *fastPath {
	if ids == nil {
		ids = randomIDs{}
	}
	f := &fastPath{
		t: t, client: c, sampler: s.sampler, ids: ids, limits: s.limits, bsp: s.bsp,
		queue: make(chan *fastSpan, s.bsp.queue),
		free:  make(chan *fastSpan, min(s.bsp.queue+s.bsp.batch, maxFree)),
		flush: make(chan chan struct{}),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		batch: make([]*fastSpan, 0, s.bsp.batch),
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.ss = &tracepb.ScopeSpans{
		Scope:     &commonpb.InstrumentationScope{Name: ScopeName, Version: scopeVersion},
		SchemaUrl: scopeSchema,
	}
	rattrs := make([]*commonpb.KeyValue, 0, res.Len())
	for iter := res.Iter(); iter.Next(); {
		kv := iter.Attribute()
		rattrs = append(rattrs, &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)})
	}
	f.upload = []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: rattrs},
		ScopeSpans: []*tracepb.ScopeSpans{f.ss},
		SchemaUrl:  res.SchemaURL(),
	}}
	go f.run()
	return f
}

// maxFree bounds the recycled spans kept (a few KB each, at most
// maxKeptBuf).
const maxFree = 2048

// startRequest is StartRequest on the fast path: the SDK's decisions
// (tracer.newSpan) without a span object for unsampled requests.
func (f *fastPath) startRequest(ctx context.Context, k *kind, s *client.RequestStart) client.RequestSpan {
	t := f.t
	start := t.clk.Wall(t.clk.Now())
	psc := trace.SpanContextFromContext(ctx)
	var tid trace.TraceID
	var sid trace.SpanID
	if psc.TraceID().IsValid() {
		tid = psc.TraceID()
		sid = f.ids.NewSpanID(ctx, tid)
	} else {
		tid, sid = f.ids.NewIDs(ctx)
	}
	res := f.sampler.ShouldSample(sdktrace.SamplingParameters{
		ParentContext: ctx, TraceID: tid, Name: k.name, Kind: trace.SpanKindClient, Attributes: k.startAttrs,
	})
	// RecordOnly would be recorded but never exported: as good as dropped.
	sampled := res.Decision == sdktrace.RecordAndSample
	flags := psc.TraceFlags() &^ trace.FlagsSampled
	if sampled {
		flags |= trace.FlagsSampled
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, TraceState: res.Tracestate})
	if s.Header != nil {
		t.prop.Inject(trace.ContextWithSpanContext(ctx, sc), headerCarrier(s.Header))
	}
	if !sampled || f.closed.Load() {
		return noSpan{}
	}
	t.started.Add(1)
	fs := f.get()
	fs.k, fs.req, fs.maxTokens = k, s.Request, s.MaxTokens
	fs.sc, fs.parent, fs.start = sc, psc, start
	return fs
}

func (f *fastPath) get() *fastSpan {
	select {
	case fs := <-f.free:
		return fs
	default:
		return &fastSpan{f: f}
	}
}

func (f *fastPath) put(fs *fastSpan) {
	fs.reset()
	select {
	case f.free <- fs:
	default:
	}
}

// fastSpan is a sampled request's span: its state until End, then its
// encoded OTLP message until the batcher has uploaded it and recycles it.
type fastSpan struct {
	f         *fastPath
	k         *kind
	req       *client.Request
	maxTokens int
	sc        trace.SpanContext
	parent    trace.SpanContext
	start     time.Time

	buf     []byte // the encoded trace.v1.Span, reused
	scratch []byte // an event being encoded
}

// End implements client.RequestSpan: the same attributes, events and
// status as requestSpan.End, as an OTLP span handed to the batcher. It
// never blocks: a full queue drops the span (counted). It must be called
// once (the client does): the span is recycled after its upload.
func (fs *fastSpan) End(rec *record.Record, output []byte) {
	f := fs.f
	t := f.t
	if f.closed.Load() {
		// As the SDK's processors after Shutdown: not handed over, not
		// counted as ended.
		f.put(fs)
		return
	}
	input, out := t.contentStrings(fs.k, fs.req, output)
	p := attrPool.Get().(*[]attribute.KeyValue)
	attrs := append((*p)[:0], fs.k.startAttrs...)
	attrs = endAttrs(attrs, t, fs.k, fs.maxTokens, rec, input, out)
	fs.fill(attrs, rec, input, out)
	clear(attrs)
	*p = attrs[:0]
	attrPool.Put(p)
	select {
	case f.queue <- fs:
	default:
		f.put(fs)
		t.warnOnce("OTEL span queue full: spans are being dropped (collector slow or unreachable); raise "+
			envBSPQueue+" or sample fewer requests", "queue", t.capacity)
	}
	t.ended.Add(1) // after the hand-over, as countingProcessor
}

// fill encodes the OTLP span (a trace.v1.Span message) as the SDK's
// recording span and the exporter's conversion (tracetransform) would make
// it: attributes limited and truncated as the span limits say, events,
// status, flags. Encoding here, with exact sizes and no intermediate
// messages, costs a fraction of building protobuf structs for proto.Marshal.
func (fs *fastSpan) fill(attrs []attribute.KeyValue, rec *record.Record, input, out string) {
	t := fs.f.t
	lim := &fs.f.limits
	b := fs.buf[:0]
	tid, sid := fs.sc.TraceID(), fs.sc.SpanID()
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, tid[:])
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, sid[:])
	if ts := fs.sc.TraceState(); ts.Len() > 0 {
		b = appendString(b, 3, ts.String())
	}
	if psid := fs.parent.SpanID(); psid.IsValid() {
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, psid[:])
	}
	b = appendString(b, 5, fs.k.name)
	b = protowire.AppendTag(b, 6, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(tracepb.Span_SPAN_KIND_CLIENT))
	b = protowire.AppendTag(b, 7, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, unixNano(fs.start))
	end := t.clk.Wall(rec.End)
	b = protowire.AppendTag(b, 8, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, unixNano(end))

	// Attributes: keys are unique (TestFastPathEquivalence), so the SDK's
	// de-duplication has nothing to do; its count limit keeps the first.
	kept, dropped := 0, 0
	for i := range attrs {
		if !attrs[i].Valid() || (lim.AttributeCountLimit >= 0 && kept >= lim.AttributeCountLimit) {
			dropped++
			continue
		}
		b = appendKeyValue(b, 9, string(attrs[i].Key), attrs[i].Value, lim.AttributeValueLengthLimit)
		kept++
	}
	if dropped > 0 {
		b = protowire.AppendTag(b, 10, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(dropped)) //nolint:gosec // positive
	}

	// Events, kept as the SDK's evicted queue keeps them: the newest.
	type event struct {
		name    string
		at      time.Time
		content bool
	}
	var events [2]event
	n, droppedEvents := 0, 0
	addEvent := func(e event) {
		switch {
		case lim.EventCountLimit == 0:
			droppedEvents++
			return
		case lim.EventCountLimit > 0 && n == lim.EventCountLimit:
			copy(events[:], events[1:n])
			n--
			droppedEvents++
		}
		events[n] = e
		n++
	}
	if rec.Streaming && len(rec.Chunks) > 0 {
		addEvent(event{name: eventFirstToken, at: t.clk.Wall(rec.Chunks[0])})
	}
	if t.content&contentEvent != 0 && (input != "" || out != "") {
		addEvent(event{name: eventDetails, at: end, content: true})
	}
	for _, e := range events[:n] {
		eb := fs.scratch[:0]
		eb = protowire.AppendTag(eb, 1, protowire.Fixed64Type)
		eb = protowire.AppendFixed64(eb, unixNano(e.at))
		eb = appendString(eb, 2, e.name)
		if e.content {
			kept, dropped := 0, 0
			for _, kv := range [2]struct{ k, v string }{{string(semconv.GenAIInputMessagesKey), input}, {string(keyOutputText), out}} {
				if kv.v == "" {
					continue
				}
				if l := lim.AttributePerEventCountLimit; l >= 0 && kept >= l {
					dropped++
					continue
				}
				// Event attributes are not truncated by the SDK either.
				eb = appendKeyValue(eb, 3, kv.k, attribute.StringValue(kv.v), -1)
				kept++
			}
			if dropped > 0 {
				eb = protowire.AppendTag(eb, 4, protowire.VarintType)
				eb = protowire.AppendVarint(eb, uint64(dropped)) //nolint:gosec // positive
			}
		}
		b = protowire.AppendTag(b, 11, protowire.BytesType)
		b = protowire.AppendBytes(b, eb)
		fs.scratch = eb[:0]
	}
	// The SDK's snapshot reports dropped events only along with kept ones.
	if n > 0 && droppedEvents > 0 {
		b = protowire.AppendTag(b, 12, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(droppedEvents)) //nolint:gosec // positive
	}

	// Status: always present, as tracetransform makes it.
	var msg string
	var code tracepb.Status_StatusCode
	if rec.Error != nil {
		msg, code = validUTF8(rec.Error.Message), tracepb.Status_STATUS_CODE_ERROR
	}
	size := 0
	if msg != "" {
		size += protowire.SizeTag(2) + protowire.SizeBytes(len(msg))
	}
	if code != 0 {
		size += protowire.SizeTag(3) + protowire.SizeVarint(uint64(code))
	}
	b = protowire.AppendTag(b, 15, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size)) //nolint:gosec // positive
	if msg != "" {
		b = appendString(b, 2, msg)
	}
	if code != 0 {
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(code))
	}

	flags := uint32(fs.sc.TraceFlags()) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if fs.parent.IsRemote() {
		flags |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	b = protowire.AppendTag(b, 16, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, flags)
	fs.buf = b
}

// reset drops what the span references before it is recycled.
func (fs *fastSpan) reset() {
	fs.k, fs.req = nil, nil
	if cap(fs.buf) > maxKeptBuf {
		fs.buf = nil // a huge prompt's span: do not keep its buffer
	}
	if cap(fs.scratch) > maxKeptBuf {
		fs.scratch = nil
	}
}

// maxKeptBuf is the largest span buffer kept for reuse, maxKeptRaw the
// largest batch buffer (a batch of 512 spans with content is ~1-3 MB).
const (
	maxKeptBuf = 16 << 10
	maxKeptRaw = 16 << 20
)

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// appendKeyValue appends a common.v1.KeyValue as field num, its strings
// truncated to limit characters as the SDK does (limit < 0: no limit).
// Values are encoded as tracetransform makes them: a oneof is present even
// when it holds a zero value.
func appendKeyValue(b []byte, num protowire.Number, key string, v attribute.Value, limit int) []byte {
	var anySize int
	var str string
	var strs []string
	var other []byte
	switch v.Type() {
	case attribute.STRING:
		str = truncate(limit, v.AsString())
		anySize = protowire.SizeTag(1) + protowire.SizeBytes(len(str))
	case attribute.BOOL:
		anySize = protowire.SizeTag(2) + 1
	case attribute.INT64:
		anySize = protowire.SizeTag(3) + protowire.SizeVarint(uint64(v.AsInt64())) //nolint:gosec // int64 as varint, as protobuf does
	case attribute.FLOAT64:
		anySize = protowire.SizeTag(4) + 8
	case attribute.STRINGSLICE:
		strs = v.AsStringSlice()
		arr := 0
		for i := range strs {
			strs[i] = truncate(limit, strs[i])
			one := protowire.SizeTag(1) + protowire.SizeBytes(len(strs[i]))
			arr += protowire.SizeTag(1) + protowire.SizeBytes(one)
		}
		anySize = protowire.SizeTag(5) + protowire.SizeBytes(arr)
	default:
		// Types the request span does not use: converted as
		// tracetransform does, through proto.Marshal.
		other, _ = proto.Marshal(anyValue(v))
		anySize = len(other)
	}
	kvSize := protowire.SizeTag(1) + protowire.SizeBytes(len(key)) + protowire.SizeTag(2) + protowire.SizeBytes(anySize)
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(kvSize)) //nolint:gosec // positive
	b = appendString(b, 1, key)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(anySize)) //nolint:gosec // positive
	switch v.Type() {
	case attribute.STRING:
		b = appendString(b, 1, str)
	case attribute.BOOL:
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v.AsInt64())) //nolint:gosec // as protobuf does
	case attribute.FLOAT64:
		b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(v.AsFloat64()))
	case attribute.STRINGSLICE:
		arr := 0
		for i := range strs {
			one := protowire.SizeTag(1) + protowire.SizeBytes(len(strs[i]))
			arr += protowire.SizeTag(1) + protowire.SizeBytes(one)
		}
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(arr)) //nolint:gosec // positive
		for i := range strs {
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(protowire.SizeTag(1)+protowire.SizeBytes(len(strs[i])))) //nolint:gosec // positive
			b = appendString(b, 1, strs[i])
		}
	default:
		b = append(b, other...)
	}
	return b
}

func unixNano(t time.Time) uint64 { return uint64(max(0, t.UnixNano())) } //nolint:gosec // clamped

// run is the batcher: it uploads a batch when it is full, when the schedule
// delay has passed, on a flush, and at stop (everything queued).
func (f *fastPath) run() {
	defer close(f.done)
	timer := time.NewTimer(f.bsp.delay)
	defer timer.Stop()
	for {
		select {
		case fs := <-f.queue:
			f.batch = append(f.batch, fs)
			if len(f.batch) >= f.bsp.batch {
				f.export()
				timer.Reset(f.bsp.delay)
			}
		case <-timer.C:
			f.export()
			timer.Reset(f.bsp.delay)
		case ch := <-f.flush:
			f.drain()
			close(ch)
		case <-f.stop:
			f.drain()
			return
		}
	}
}

// drain exports everything queued.
func (f *fastPath) drain() {
	for {
		select {
		case fs := <-f.queue:
			f.batch = append(f.batch, fs)
			if len(f.batch) >= f.bsp.batch {
				f.export()
			}
		default:
			f.export()
			return
		}
	}
}

// export uploads the batch and recycles its spans. After Shutdown's bound
// the spans are not sent: they count as dropped.
func (f *fastPath) export() {
	if len(f.batch) == 0 {
		return
	}
	if f.ctx.Err() == nil {
		// The spans go in as ScopeSpans' field 2 (spans), already
		// encoded: proto.Marshal writes such bytes as they are, and a
		// receiver reads them as the repeated Span field they are.
		size := 0
		for _, fs := range f.batch {
			size += protowire.SizeTag(2) + protowire.SizeBytes(len(fs.buf))
		}
		raw := f.raw[:0]
		if cap(raw) < size {
			raw = make([]byte, 0, size)
		}
		for _, fs := range f.batch {
			raw = protowire.AppendTag(raw, 2, protowire.BytesType)
			raw = protowire.AppendBytes(raw, fs.buf)
		}
		f.ss.ProtoReflect().SetUnknown(protoreflect.RawFields(raw))
		ctx, cancel := f.ctx, context.CancelFunc(func() {})
		if f.bsp.timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, f.bsp.timeout)
		}
		err := f.client.UploadTraces(ctx, f.upload)
		cancel()
		if err != nil {
			err = fmt.Errorf("traces export: %w", err) // as otlptrace.Exporter says it
		}
		f.t.exportDone(len(f.batch), err)
		f.ss.ProtoReflect().SetUnknown(nil)
		if cap(raw) <= maxKeptRaw {
			f.raw = raw[:0]
		}
	}
	for _, fs := range f.batch {
		f.put(fs)
	}
	clear(f.batch)
	f.batch = f.batch[:0]
}

// forceFlush exports what is queued (tests).
func (f *fastPath) forceFlush(ctx context.Context) error {
	ch := make(chan struct{})
	select {
	case f.flush <- ch:
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shutdown exports what is queued, giving up when ctx ends. The client is
// stopped by the SDK exporter that shares it.
func (f *fastPath) shutdown(ctx context.Context) error {
	f.closed.Store(true)
	f.stopOnce.Do(func() { close(f.stop) })
	select {
	case <-f.done:
		f.cancel()
		return nil
	case <-ctx.Done():
		f.cancel() // the upload in progress ends, the rest is not sent
		return ctx.Err()
	}
}

// anyValue converts an attribute value as the OTLP exporter's tracetransform
// does (for the resource, converted once, and rare types).
func anyValue(v attribute.Value) *commonpb.AnyValue {
	av := new(commonpb.AnyValue)
	switch v.Type() {
	case attribute.BOOL:
		av.Value = &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}
	case attribute.INT64:
		av.Value = &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}
	case attribute.FLOAT64:
		av.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}
	case attribute.STRING:
		av.Value = &commonpb.AnyValue_StringValue{StringValue: v.AsString()}
	case attribute.BYTESLICE:
		av.Value = &commonpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}
	case attribute.BOOLSLICE:
		av.Value = arrayOf(v.AsBoolSlice(), attribute.BoolValue)
	case attribute.INT64SLICE:
		av.Value = arrayOf(v.AsInt64Slice(), attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		av.Value = arrayOf(v.AsFloat64Slice(), attribute.Float64Value)
	case attribute.STRINGSLICE:
		av.Value = arrayOf(v.AsStringSlice(), attribute.StringValue)
	case attribute.SLICE:
		av.Value = arrayOf(v.AsSlice(), func(v attribute.Value) attribute.Value { return v })
	case attribute.MAP:
		m := v.AsMap()
		kvs := make([]*commonpb.KeyValue, 0, len(m))
		for _, kv := range m {
			kvs = append(kvs, &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)})
		}
		av.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}
	case attribute.EMPTY:
	default:
		av.Value = &commonpb.AnyValue_StringValue{StringValue: "INVALID"}
	}
	return av
}

func arrayOf[E any](s []E, conv func(E) attribute.Value) *commonpb.AnyValue_ArrayValue {
	vals := make([]*commonpb.AnyValue, len(s))
	for i, e := range s {
		vals[i] = anyValue(conv(e))
	}
	return &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vals}}
}

// truncate cuts s to limit characters as the SDK's attribute value length
// limit does (limit < 0: no limit); invalid bytes are left out of a cut
// string and do not count.
func truncate(limit int, s string) string {
	if limit < 0 || len(s) <= limit {
		return s
	}
	count := 0
	for i, c := range s {
		if c == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return truncateInvalid(limit, s)
			}
		}
		count++
		if count > limit {
			return s[:i]
		}
	}
	return s
}

// truncateInvalid is truncate for a string with invalid UTF-8: the valid
// characters, up to limit.
func truncateInvalid(limit int, s string) string {
	var b strings.Builder
	b.Grow(len(s) - 1)
	count := 0
	for i := 0; i < len(s) && count < limit; {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
		count++
	}
	return b.String()
}

// randomIDs makes span and trace ids as the SDK's default generator does.
type randomIDs struct{}

func (randomIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.NativeEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}

func (r randomIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.NativeEndian.PutUint64(tid[:8], rand.Uint64())
		binary.NativeEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid, r.NewSpanID(ctx, tid)
}
