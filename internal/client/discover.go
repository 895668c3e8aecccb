package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// DiscoverModel asks the server for its models (GET /v1/models) and returns
// the first id, as the reference does when server.model_name is unset. hc
// nil means a client with a 30 s timeout. Errors say what to check.
func DiscoverModel(ctx context.Context, baseURL, apiKey string, hc *http.Client) (string, error) {
	root, err := endpoint(baseURL)
	if err != nil {
		return "", err
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	u := root + "/models"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("server.base_url %q: %w", baseURL, err)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach server at %s: %s; is it running? (server.base_url)", baseURL, reachReason(ctx, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return "", fmt.Errorf("GET %s: reading the answer: %s", u, reachReason(ctx, err))
	}
	if resp.StatusCode != http.StatusOK {
		hint := "set server.model_name to skip model discovery"
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			hint = "check server.api_key"
		}
		return "", fmt.Errorf("GET %s: %s: %s (%s)", u, resp.Status, ErrorMessage(body), hint)
	}
	var v struct {
		Data []struct {
			ID any `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("GET %s: not an OpenAI model list: %v (set server.model_name)", u, err)
	}
	if len(v.Data) == 0 {
		return "", fmt.Errorf("server at %s lists no models at /v1/models; set server.model_name", baseURL)
	}
	id, ok := v.Data[0].ID.(string)
	if !ok || id == "" {
		return "", fmt.Errorf("GET %s: the first model has no string id; set server.model_name", u)
	}
	return id, nil
}

// reachReason says briefly why a request did not get an answer.
func reachReason(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return ctx.Err().Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out"
		}
		err = ue.Err
	}
	return shortNetError(err)
}
