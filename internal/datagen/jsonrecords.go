package datagen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// scanJSONRecords streams the records of one JSON file (a JSON array of
// objects, or JSON Lines, as the Hugging Face "json" loader reads) and calls
// fn with each record's index and raw text, one record in memory at a time.
func scanJSONRecords(r io.Reader, name, what string, fn func(rec int, raw json.RawMessage) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := firstByte(br)
	if err == io.EOF {
		return fmt.Errorf("%s: empty file: expected a JSON array of %s records", name, what)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if first != '[' && first != '{' {
		return fmt.Errorf("%s: expected a JSON array of %s records (or JSON Lines), got %s", name, what, jsonKind(first))
	}
	dec := json.NewDecoder(br)
	array := first == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	rec := 0
	for ; dec.More(); rec++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: record %d: invalid JSON at byte %d: %w", name, rec, dec.InputOffset(), err)
		}
		if err := fn(rec, raw); err != nil {
			return fmt.Errorf("%s: record %d: %w", name, rec, err)
		}
	}
	if array {
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("%s: after %d records: invalid JSON at byte %d: %w", name, rec, dec.InputOffset(), err)
		}
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("%s: after %d records: invalid JSON at byte %d: %w", name, rec, dec.InputOffset(), err)
		}
		return fmt.Errorf("%s: after %d records: unexpected %v at byte %d", name, rec, tok, dec.InputOffset())
	}
	return nil
}
