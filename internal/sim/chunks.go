package sim

import "strconv"

// words are the output vocabulary: one of them, with a leading space, is one
// token. Plain lowercase ASCII, so they need no JSON escaping and the Words
// tokenizer counts each as exactly one token.
var words = [...]string{
	"the", "of", "and", "to", "in", "is", "that", "for", "it", "as",
	"with", "was", "on", "be", "by", "at", "this", "from", "are", "or",
	"an", "which", "one", "have", "not", "but", "all", "they", "their", "has",
	"more", "when", "time", "there", "can", "model", "token", "server", "request", "load",
	"queue", "cache", "batch", "latency", "stream", "answer", "first", "next", "other", "about",
	"many", "some", "would", "these", "into", "only", "new", "most", "such", "over",
	"same", "well", "each", "part",
}

// wordTokens holds each word with its leading space, ready to append.
var wordTokens = func() [len(words)][]byte {
	var t [len(words)][]byte
	for i, w := range words {
		t[i] = []byte(" " + w)
	}
	return t
}()

// Chunk tails, shared by every request. Shapes follow vLLM's serialisation
// (pydantic, exclude_unset): completion choices carry logprobs, finish_reason
// and stop_reason; chat choices carry stop_reason only on the final chunk.
var (
	complTail        = []byte(`","logprobs":null,"finish_reason":null,"stop_reason":null}]}` + "\n\n")
	complTailLength  = []byte(`","logprobs":null,"finish_reason":"length","stop_reason":null}]}` + "\n\n")
	complTailStop    = []byte(`","logprobs":null,"finish_reason":"stop","stop_reason":null}]}` + "\n\n")
	chatTail         = []byte(`"},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	chatTailLength   = []byte(`"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}` + "\n\n")
	chatTailStop     = []byte(`"},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}` + "\n\n")
	chatRoleChoice   = []byte(`"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	complTextOpen    = []byte(`"choices":[{"index":0,"text":"`)
	chatContentOpen  = []byte(`"choices":[{"index":0,"delta":{"content":"`)
	sseDone          = []byte("data: [DONE]\n\n")
	objCompletion    = `text_completion`
	objChatChunk     = `chat.completion.chunk`
	objChat          = `chat.completion`
	finishLength     = "length"
	finishStop       = "stop"
	idPrefixComplete = "cmpl-"
	idPrefixChat     = "chatcmpl-"
)

// respMeta is what every chunk and response of one request shares.
type respMeta struct {
	id      [32]byte // lowercase hex, like vLLM's uuid4().hex
	created int64
	model   []byte // the model id answered (the base model or the adapter), JSON-quoted
}

// appendEnvelope appends `{"id":"<id>","object":"<obj>","created":N,"model":<model>,`
// where modelJSON is the already-escaped model string with its quotes.
func appendEnvelope(b []byte, a api, m *respMeta, obj string, modelJSON []byte) []byte {
	b = append(b, `{"id":"`...)
	if a == apiChat {
		b = append(b, idPrefixChat...)
	} else {
		b = append(b, idPrefixComplete...)
	}
	b = append(b, m.id[:]...)
	b = append(b, `","object":"`...)
	b = append(b, obj...)
	b = append(b, `","created":`...)
	b = strconv.AppendInt(b, m.created, 10)
	b = append(b, `,"model":`...)
	b = append(b, modelJSON...)
	b = append(b, ',')
	return b
}

// appendUsage appends `"usage":{...}` for an OpenAI usage object.
func appendUsage(b []byte, prompt, completion int) []byte {
	b = append(b, `"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(completion), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt+completion), 10)
	b = append(b, '}')
	return b
}

// appendUsageChunk appends the final streamed chunk with empty choices and
// the usage, sent when stream_options.include_usage is true.
func appendUsageChunk(b []byte, a api, m *respMeta, modelJSON []byte, prompt, completion int) []byte {
	b = append(b, "data: "...)
	obj := objCompletion
	if a == apiChat {
		obj = objChatChunk
	}
	b = appendEnvelope(b, a, m, obj, modelJSON)
	b = append(b, `"choices":[],`...)
	b = appendUsage(b, prompt, completion)
	b = append(b, "}\n\n"...)
	return b
}

// appendHex32 writes two 64-bit values as 32 lowercase hex digits.
func appendHex32(dst *[32]byte, hi, lo uint64) {
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		dst[i] = digits[hi&0xf]
		hi >>= 4
		dst[16+i] = digits[lo&0xf]
		lo >>= 4
	}
}
