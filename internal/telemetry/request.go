package telemetry

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/inference-perf-go/inference-perf/internal/client"
	"github.com/inference-perf-go/inference-perf/internal/config"
	"github.com/inference-perf-go/inference-perf/internal/record"
)

// Attribute keys outside the v1.41 GenAI conventions: the names the
// reference's users query (its documentation), and this benchmark's own
// under the inference_perf. prefix.
const (
	keySystem           = attribute.Key("gen_ai.system")
	keyLLMRequestType   = attribute.Key("llm.request.type")
	keyLLMIsStreaming   = attribute.Key("llm.is_streaming")
	keyLLMTotalTokens   = attribute.Key("llm.usage.total_tokens")
	keyPromptTokens     = attribute.Key("gen_ai.usage.prompt_tokens")
	keyCompletionTokens = attribute.Key("gen_ai.usage.completion_tokens")
	keyTotalLatency     = attribute.Key("gen_ai.response.total_latency")
	keyTTFT             = attribute.Key("gen_ai.response.time_to_first_token")
	keyTPOT             = attribute.Key("gen_ai.response.time_per_output_token")
	keyFinishReason     = attribute.Key("gen_ai.response.finish_reason")
	keyOutputText       = attribute.Key("gen_ai.output.text")
	keyErrorMessage     = attribute.Key("error.message")

	keyServerType    = attribute.Key("inference_perf.server.type")
	keyStageID       = attribute.Key("inference_perf.stage.id")
	keySeq           = attribute.Key("inference_perf.request.seq")
	keyIntended      = attribute.Key("inference_perf.request.intended_time")
	keyScheduleDelay = attribute.Key("inference_perf.request.schedule_delay")
	keyLoRA          = attribute.Key("inference_perf.lora.adapter")
	keyInputSource   = attribute.Key("inference_perf.usage.input_source")
	keyOutputSource  = attribute.Key("inference_perf.usage.output_source")
	keyErrorLabel    = attribute.Key("inference_perf.error.label")
)

// Event names. The conventions define no first-token event; the name
// follows the spec's TTFT attribute. The details event is the v1.41 one for
// message content.
const (
	eventFirstToken = "gen_ai.first_token"
	eventDetails    = "gen_ai.client.inference.operation.details"
)

// systemValue is the reference's gen_ai.system.
const systemValue = "openai_compatible"

// Values of inference_perf.usage.{input,output}_source.
const (
	sourceServer = "server"
	sourceClient = "client"
)

// Attribute values built once.
var (
	attrSystem     = keySystem.String(systemValue)
	attrTypeChat   = keyLLMRequestType.String("chat")
	attrTypeText   = keyLLMRequestType.String("text_completion")
	spanKindClient = trace.WithSpanKind(trace.SpanKindClient)
	finishReasons  = map[string][2]attribute.KeyValue{}
	statusText     [600]string
)

func init() {
	for _, r := range []string{"stop", "length", "tool_calls", "abort", "eos_token", "content_filter"} {
		finishReasons[r] = [2]attribute.KeyValue{semconv.GenAIResponseFinishReasons(r), keyFinishReason.String(r)}
	}
	for i := 100; i < len(statusText); i++ {
		statusText[i] = strconv.Itoa(i)
	}
}

// maxKinds bounds the cache of per-model span descriptions (LoRA adapters
// make a few models; anything beyond is built per request).
const maxKinds = 256

// requestTracer implements client.Tracer.
type requestTracer struct {
	t      *Telemetry
	kinds  sync.Map // kindKey -> *kind
	nkinds atomic.Int32
}

// kindKey identifies what is constant across a client's requests to one
// model.
type kindKey struct {
	model, api, server, host string
	port                     int
	stream                   bool
}

// kind is the precomputed part of a request span: its name, the attributes
// the sampler sees, and the constant ones added at the end.
type kind struct {
	name       string
	startAttrs []attribute.KeyValue // what the sampler sees, first on the span
	start      trace.SpanStartEventOption
	fixed      []attribute.KeyValue
	chat       bool
}

func (r *requestTracer) kind(s *client.RequestStart) *kind {
	key := kindKey{model: s.Model, api: s.APIType, server: s.ServerType, host: s.Host, port: s.Port, stream: s.Streaming}
	if k, ok := r.kinds.Load(key); ok {
		return k.(*kind)
	}
	k := newKind(key)
	if r.nkinds.Load() < maxKinds {
		if _, loaded := r.kinds.LoadOrStore(key, k); !loaded {
			r.nkinds.Add(1)
		}
	}
	return k
}

func newKind(key kindKey) *kind {
	chat := key.api == config.APIChat
	op, typ := semconv.GenAIOperationNameTextCompletion, attrTypeText
	if chat {
		op, typ = semconv.GenAIOperationNameChat, attrTypeChat
	}
	// What matters for sampling goes in at creation (conventions: operation,
	// provider, model, server address and port).
	start := []attribute.KeyValue{
		op,
		semconv.GenAIProviderNameOpenAI,
		semconv.GenAIRequestModel(key.model),
	}
	if key.host != "" {
		start = append(start, semconv.ServerAddress(key.host), semconv.ServerPort(key.port))
	}
	return &kind{
		name:       op.Value.AsString() + " " + key.model,
		startAttrs: start,
		start:      trace.WithAttributes(start...),
		fixed: []attribute.KeyValue{
			attrSystem,
			typ,
			semconv.GenAIRequestStream(key.stream),
			keyLLMIsStreaming.Bool(key.stream),
			keyServerType.String(key.server),
		},
		chat: chat,
	}
}

// StartRequest implements client.Tracer: it starts the request's CLIENT
// span under any span in ctx and writes traceparent (and tracestate,
// baggage) into s.Header, for unsampled requests too (flag 00), so that the
// server follows the same sampling decision.
func (r *requestTracer) StartRequest(ctx context.Context, s *client.RequestStart) client.RequestSpan {
	t := r.t
	k := r.kind(s)
	if t.fast != nil {
		return t.fast.startRequest(ctx, k, s)
	}
	ctx, span := t.tracer.Start(ctx, k.name, spanKindClient, k.start, trace.WithTimestamp(t.clk.Wall(t.clk.Now())))
	if s.Header != nil {
		t.prop.Inject(ctx, headerCarrier(s.Header))
	}
	if !span.IsRecording() || !t.exporting {
		// Nothing will look at this span: skip all attribute work.
		return noSpan{}
	}
	return &requestSpan{t: t, k: k, span: span, req: s.Request, maxTokens: s.MaxTokens}
}

// noSpan is the RequestSpan of an unsampled request.
type noSpan struct{}

func (noSpan) End(*record.Record, []byte) {}

// requestSpan is a sampled request's span until its End.
type requestSpan struct {
	t         *Telemetry
	k         *kind
	span      trace.Span
	req       *client.Request
	maxTokens int
}

// End implements client.RequestSpan: it sets the outcome's attributes and
// ends the span at rec.End, with a first-token event at the first content
// chunk when streaming.
func (rs *requestSpan) End(rec *record.Record, output []byte) {
	t := rs.t
	input, out := t.contentStrings(rs.k, rs.req, output)
	p := attrPool.Get().(*[]attribute.KeyValue)
	attrs := endAttrs((*p)[:0], t, rs.k, rs.maxTokens, rec, input, out)
	rs.span.SetAttributes(attrs...)
	clear(attrs) // drop references to the strings before pooling
	*p = attrs[:0]
	attrPool.Put(p)
	if rec.Streaming && len(rec.Chunks) > 0 {
		rs.span.AddEvent(eventFirstToken, trace.WithTimestamp(t.clk.Wall(rec.Chunks[0])))
	}
	if t.content&contentEvent != 0 && (input != "" || out != "") {
		rs.span.AddEvent(eventDetails, trace.WithTimestamp(t.clk.Wall(rec.End)), trace.WithAttributes(contentAttrs(input, out)...))
	}
	if rec.Error != nil {
		rs.span.SetStatus(codes.Error, validUTF8(rec.Error.Message))
	}
	rs.span.End(trace.WithTimestamp(t.clk.Wall(rec.End)))
}

// contentStrings is the captured input and output, "" when content capture
// is off.
func (t *Telemetry) contentStrings(k *kind, req *client.Request, output []byte) (input, out string) {
	if t.content == 0 {
		return "", ""
	}
	if req != nil {
		b := appendInputMessages(make([]byte, 0, inputCap(req, t.valueLen)), &req.Prompt, k.chat, t.valueLen)
		// The buffer is never written again: a string over it saves
		// copying the prompt (as strings.Builder does).
		input = unsafe.String(unsafe.SliceData(b), len(b))
	}
	if len(output) > 0 {
		out = outputText(output, t.valueLen)
	}
	return input, out
}

// inputCap is a capacity guess for the input JSON: the content plus the
// structure, at most the limit.
func inputCap(r *client.Request, limit int) int {
	n := len(r.Prompt.Text) + 64
	for i := range r.Prompt.Messages {
		n += len(r.Prompt.Messages[i].Content) + len(r.Prompt.Messages[i].Role) + 48
	}
	if limit >= 0 {
		// A character takes up to 4 bytes (append grows the buffer in the
		// rare case of more).
		n = min(n, limit*4)
	}
	return n
}

func contentAttrs(input, out string) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 2)
	if input != "" {
		attrs = append(attrs, semconv.GenAIInputMessagesKey.String(input))
	}
	if out != "" {
		attrs = append(attrs, keyOutputText.String(out))
	}
	return attrs
}

// tokens is what the span reports for a token count: the server's usage
// when it sent one, else the client's count; ok is false when neither is
// known.
func tokens(server, clientCount int) (n int, source string, ok bool) {
	if server >= 0 {
		return server, sourceServer, true
	}
	if clientCount >= 0 {
		return clientCount, sourceClient, true
	}
	return 0, "", false
}

// maxEndAttrs bounds what endAttrs appends, with room to spare: the size of
// the pooled slices, so that they never grow.
const maxEndAttrs = 48

// attrPool recycles the attribute slices handed to SetAttributes, which
// copies them: one allocation of ~2 KB less per request.
var attrPool = sync.Pool{New: func() any {
	// The fast path puts the (at most 5) start attributes in front.
	s := make([]attribute.KeyValue, 0, maxEndAttrs+8)
	return &s
}}

// endAttrs appends the attributes known at the end to attrs: the one
// builder of both the SDK span and the OTLP fast path.
func endAttrs(attrs []attribute.KeyValue, t *Telemetry, k *kind, maxTokens int, rec *record.Record, input, out string) []attribute.KeyValue {
	in, inSrc, inOK := tokens(rec.ServerPromptTokens, rec.ClientPromptTokens)
	outN, outSrc, outOK := tokens(rec.ServerOutputTokens, rec.ClientOutputTokens)
	ttft, hasTTFT := rec.TTFT()
	hasTTFT = hasTTFT && rec.Streaming
	var tpot float64
	// TPOT as the reports compute it: from the first to the last content
	// chunk, per output token after the first.
	hasTPOT := hasTTFT && outOK && outN > 1 && max(len(rec.Chunks), rec.ClientOutputTokens) > 1
	if hasTPOT {
		tpot = (rec.Chunks[len(rec.Chunks)-1] - rec.Chunks[0]).Seconds() / float64(outN-1)
	}
	finish, knownFinish := finishReasons[rec.FinishReason]
	spanContent := t.content&contentSpan != 0

	attrs = append(attrs, k.fixed...)
	attrs = append(attrs,
		semconv.GenAIRequestMaxTokens(maxTokens),
		keyStageID.Int(rec.Stage),
		keySeq.Int64(int64(rec.Seq)),
		keyIntended.Float64(rec.Intended.Seconds()),
		keyScheduleDelay.Float64(rec.ScheduleDelay().Seconds()),
		keyTotalLatency.Float64(rec.Latency().Seconds()),
	)
	// Sampling parameters: our requests send none yet. When the client
	// gains them (client.RequestStart), pass them here.
	attrs = appendSamplingParams(attrs, nil, nil)
	if rec.SessionID != "" {
		attrs = append(attrs, semconv.GenAIConversationID(rec.SessionID))
	}
	if rec.LoRA != "" {
		attrs = append(attrs, keyLoRA.String(rec.LoRA))
	}
	if rec.Status != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(rec.Status))
	}
	if rec.ResponseID != "" {
		attrs = append(attrs, semconv.GenAIResponseID(rec.ResponseID))
	}
	if rec.Model != "" {
		attrs = append(attrs, semconv.GenAIResponseModel(rec.Model))
	}
	if rec.FinishReason != "" {
		if knownFinish {
			attrs = append(attrs, finish[0], finish[1])
		} else {
			r := validUTF8(rec.FinishReason)
			attrs = append(attrs, semconv.GenAIResponseFinishReasons(r), keyFinishReason.String(r))
		}
	}
	if inOK {
		attrs = append(attrs, semconv.GenAIUsageInputTokens(in), keyPromptTokens.Int(in), keyInputSource.String(inSrc))
	}
	if outOK {
		attrs = append(attrs, semconv.GenAIUsageOutputTokens(outN), keyCompletionTokens.Int(outN), keyOutputSource.String(outSrc))
	}
	if inOK && outOK {
		attrs = append(attrs, keyLLMTotalTokens.Int(in+outN))
	}
	if hasTTFT {
		s := ttft.Seconds()
		attrs = append(attrs, semconv.GenAIResponseTimeToFirstChunk(s), keyTTFT.Float64(s))
	}
	if hasTPOT {
		attrs = append(attrs, keyTPOT.Float64(tpot))
	}
	if rec.Error != nil {
		attrs = append(attrs,
			semconv.ErrorTypeKey.String(errorType(rec)),
			keyErrorMessage.String(validUTF8(rec.Error.Message)),
			keyErrorLabel.String(rec.Error.Type))
	}
	if spanContent && input != "" {
		attrs = append(attrs, semconv.GenAIInputMessagesKey.String(input))
	}
	if spanContent && out != "" {
		attrs = append(attrs, keyOutputText.String(out))
	}
	return attrs
}

// appendSamplingParams adds gen_ai.request.temperature and top_p when the
// request set them. No request sets them yet; this is where they go.
func appendSamplingParams(attrs []attribute.KeyValue, temperature, topP *float64) []attribute.KeyValue {
	if temperature != nil {
		attrs = append(attrs, semconv.GenAIRequestTemperature(*temperature))
	}
	if topP != nil {
		attrs = append(attrs, semconv.GenAIRequestTopP(*topP))
	}
	return attrs
}

// errorType is error.type: the HTTP status code for a non-200 answer, as the
// HTTP and GenAI conventions say, else the record's failure class (a small
// fixed set: Timeout, Connection Error, clientpayloaderror, ...). The
// reference's full label goes in inference_perf.error.label.
func errorType(rec *record.Record) string {
	if rec.Status != 0 && rec.Status != http.StatusOK {
		if rec.Status > 0 && rec.Status < len(statusText) && statusText[rec.Status] != "" {
			return statusText[rec.Status]
		}
		return strconv.Itoa(rec.Status)
	}
	if rec.Error.Type == "" {
		return semconv.ErrorTypeOther.Value.AsString()
	}
	return rec.Error.Type
}

// headerCarrier writes propagation headers straight into an http.Header
// under their canonical names, without canonicalising each time.
type headerCarrier http.Header

func (h headerCarrier) Get(key string) string { return http.Header(h).Get(key) }

func (h headerCarrier) Set(key, value string) {
	switch key {
	case "traceparent":
		h["Traceparent"] = []string{value}
	case "tracestate":
		h["Tracestate"] = []string{value}
	case "baggage":
		h["Baggage"] = []string{value}
	default:
		http.Header(h).Set(key, value)
	}
}

func (h headerCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}
