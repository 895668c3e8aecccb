package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads the config file at path and returns the effective configuration:
// the reference's defaults, then the file, then the overrides in order, with
// `{timestamp}` in storage paths replaced, validated. Every problem found is
// returned at once (errors.Join of *FieldError), each naming the file, line
// and field. Load does not check that the features used are built; call
// CheckSupported for that.
func Load(path string, overrides []Override) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// One line naming the file; errors.Is(err, fs.ErrNotExist) still holds.
			return nil, fmt.Errorf("config file %s: %w", path, pe.Err)
		}
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return LoadBytes(path, data, overrides)
}

// LoadBytes is Load for a config already in memory; name is used in messages.
func LoadBytes(name string, data []byte, overrides []Override) (*Config, error) {
	return loadAt(name, data, overrides, time.Now(), runtime.NumCPU())
}

// loadAt is LoadBytes with the clock and CPU count as inputs, so tests are exact.
func loadAt(name string, data []byte, overrides []Override, now time.Time, numCPU int) (*Config, error) {
	df := defaulter{now: now, numCPU: numCPU}
	cfg := df.newValue(reflect.TypeFor[Config]()).Interface().(*Config)
	d := newDecoder(name, df)

	root, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	// An empty file (or a bare null) is an empty config, as in the reference.
	if root != nil && !isNull(root) {
		d.decode(root, reflect.ValueOf(cfg).Elem(), "", nil)
	}
	for _, o := range overrides {
		d.applyOverride(cfg, o)
	}
	resolveSim(cfg)
	substituteTimestamp(cfg, now)
	d.validate(cfg)
	if len(d.errs) > 0 {
		return nil, joinErrors(name, d.errs)
	}
	return cfg, nil
}

// maxErrors caps the problems reported at once: past that, the rest of a
// badly broken file is noise.
const maxErrors = 50

func joinErrors(name string, fes []*FieldError) error {
	errs := make([]error, 0, min(len(fes), maxErrors)+1)
	for i, e := range fes {
		if i == maxErrors {
			errs = append(errs, fmt.Errorf("%s: %d more problems not shown", name, len(fes)-maxErrors))
			break
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses exactly one YAML document and returns its root node (nil
// for an empty document). A syntax error is one line naming the file and line.
func parseYAML(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(name, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &FieldError{Source: name, Line: extra.Line, Msg: "a config file holds one YAML document; found a second one (remove the \"---\" separator)"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxError(name, data, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

func syntaxError(name string, data []byte, err error) error {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		// yaml.v3 reports parser errors ("did not find expected key") with a
		// 0-based line and scanner errors with a 1-based one.
		if isParserError(m[2]) {
			line = min(line+1, bytes.Count(data, []byte("\n"))+1)
		}
		return &FieldError{Source: name, Line: line, Msg: "YAML syntax error: " + m[2]}
	}
	return &FieldError{Source: name, Msg: "YAML syntax error: " + strings.TrimPrefix(msg, "yaml: ")}
}

// isParserError tells yaml.v3's parser errors from its scanner errors by
// their message.
func isParserError(msg string) bool {
	rest, ok := strings.CutPrefix(msg, "did not find expected ")
	if !ok {
		return false
	}
	for _, scanner := range []string{"comment", "alphabetic", "URI", "whitespace", "tag URI", "'!'", "'>'"} {
		if strings.HasPrefix(rest, scanner) {
			return false
		}
	}
	return true
}

// resolveSim completes server.sim for server.type sim: the simulator serves
// server.model_name when that is given, else "sim-model", which then becomes
// the model_name.
func resolveSim(cfg *Config) {
	s := cfg.Server
	if s == nil || s.Type != ServerSim {
		return
	}
	if s.Sim == nil {
		s.Sim = defaulter{}.newValue(reflect.TypeFor[SimConfig]()).Interface().(*SimConfig)
	}
	if s.Sim.Model == "" {
		if s.ModelName != nil && *s.ModelName != "" {
			s.Sim.Model = *s.ModelName
		} else {
			s.Sim.Model = defaultSimModel
		}
	}
	if s.ModelName == nil {
		m := s.Sim.Model
		s.ModelName = &m
	}
}

// substituteTimestamp replaces {timestamp} in storage paths with the time
// formatted like Python's %Y%m%d-%H%M%S, once per load, as the reference does.
func substituteTimestamp(cfg *Config, now time.Time) {
	st := cfg.Storage
	if st == nil {
		return
	}
	ts := now.Format(timestampLayout)
	for _, p := range []*string{pathOf(st.LocalStorage), pathOfGCS(st.GoogleCloudStorage), pathOfS3(st.SimpleStorageService)} {
		if p != nil {
			*p = strings.ReplaceAll(*p, "{timestamp}", ts)
		}
	}
}

func pathOf(l *LocalStorage) *string {
	if l == nil {
		return nil
	}
	return &l.Path
}

func pathOfGCS(g *GoogleCloudStorage) *string {
	if g == nil {
		return nil
	}
	return &g.Path
}

func pathOfS3(s *SimpleStorageService) *string {
	if s == nil {
		return nil
	}
	return &s.Path
}
