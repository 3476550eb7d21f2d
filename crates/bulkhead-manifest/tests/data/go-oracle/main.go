// The oracle behind ../go-yaml-golden.json: what Kubernetes' YAML decoding
// (sigs.k8s.io/yaml over gopkg.in/yaml.v2 2.4.0) makes of each input.
//
// Reads a JSON array of YAML documents on stdin; writes a JSON array of
// [input, YAMLToJSON result, YAMLToJSONStrict result], each result being
// "OK <json>" or "ERR <message>". With Debian's golang-k8s-sigs-yaml-dev
// (which brings golang-gopkg-yaml.v2-dev):
//
//	cd tests/data/go-oracle && GO111MODULE=off GOPATH=/usr/share/gocode \
//	  go run . < ../go-yaml-inputs.json > ../go-yaml-golden.json
package main

import (
	"encoding/json"
	"os"

	"sigs.k8s.io/yaml"
)

func result(j []byte, err error) string {
	if err != nil {
		return "ERR " + err.Error()
	}
	return "OK " + string(j)
}

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	rows := make([][3]string, 0, len(inputs))
	for _, in := range inputs {
		lax := result(yaml.YAMLToJSON([]byte(in)))
		strict := result(yaml.YAMLToJSONStrict([]byte(in)))
		rows = append(rows, [3]string{in, lax, strict})
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(rows); err != nil {
		panic(err)
	}
}
