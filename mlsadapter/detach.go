package mlsadapter

import "reflect"

// detach gives every byte slice reachable from v its own storage. go-tls-
// syntax copies the remaining input on every nested decode (bug 7), and
// decoded fields alias those copies, so a decoded state held in memory
// kept O(N^2) bytes alive: 3.5 GB for one 128-member world. Copying each
// field out lets the decode buffers go.
func detach(v any) {
	detachValue(reflect.ValueOf(v), 0)
}

// maxDepth bounds the walk; go-mls values are trees a few levels deep.
const maxDepth = 64

func detachValue(v reflect.Value, depth int) {
	if depth > maxDepth || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			detachValue(v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			// Unexported fields are go-mls's caches, never decoded.
			if f := v.Field(i); f.CanSet() {
				detachValue(f, depth+1)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.CanSet() {
				cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
				reflect.Copy(cp, v)
				v.Set(cp)
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			detachValue(v.Index(i), depth+1)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			detachValue(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			// Map values are not addressable: detach a copy and put it back.
			val := reflect.New(iter.Value().Type()).Elem()
			val.Set(iter.Value())
			detachValue(val, depth+1)
			v.SetMapIndex(iter.Key(), val)
		}
	}
}
