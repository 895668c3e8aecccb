// Package prompt defines what a data generator hands to the client: the body of
// one request before it is encoded for a particular API.
package prompt

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Prompt is one request's input.
type Prompt struct {
	// Text is the prompt for the completion API.
	Text string
	// Messages is the conversation for the chat API. When empty and the API is
	// chat, the client sends Text as a single user message.
	Messages []Message
	// MaxTokens is the requested output length; 0 means the client default.
	MaxTokens int
	// Tokens is the prompt length counted by the client's tokenizer.
	Tokens int
}
