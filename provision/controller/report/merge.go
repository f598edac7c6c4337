package report

import "fmt"

// Merge joins the documents of several runs over one roster (shards'
// `--out json --static` outputs; names[i] names docs[i] in errors) into
// one, its hosts in roster order, and returns the function they ran. A
// host in two documents, or documents of two functions, is an error: only
// disjoint runs of one function merge.
func Merge(docs []*Document, names []string) (*Document, string, error) {
	out := &Document{Index: map[string]int{}}
	from := map[string]string{}
	fun, funFile := "", ""
	for i, doc := range docs {
		f := names[i]
		for _, h := range doc.Hosts {
			if prev, dup := from[h.ID]; dup {
				return nil, "", fmt.Errorf("host %s is in both %s and %s: merge the outputs of disjoint runs (shards)", h.ID, prev, f)
			}
			from[h.ID] = f
			if h.Fun != "" {
				if fun != "" && h.Fun != fun {
					return nil, "", fmt.Errorf("%s ran %s but %s ran %s: merge runs of one function", funFile, fun, f, h.Fun)
				}
				fun, funFile = h.Fun, f
			}
			if i, ok := doc.Index[h.ID]; ok {
				out.Index[h.ID] = i
			}
			out.Hosts = append(out.Hosts, h)
		}
	}
	SortByIndex(out.Hosts, out.Index)
	return out, fun, nil
}
