// Package deepcopy copies plain Go data deeply, unexported fields
// included, keeping the sharing between pointers and maps: two pointers
// to one value in the original point to one value in the copy.
//
// The fuzz targets use it to start every input from a copy of a world
// built once (the checker's memory and the topic server are plain data):
// a copy made field by field by hand would silently miss a field added
// later, while this copies whatever the types hold. What is not plain
// data — a database connection, an engine with closures — must not be
// reached: map it to its replacement with [Copier.Replace], or the copy
// fails rather than share it.
package deepcopy

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Copier copies values; it remembers what it copied, so several calls
// share the copies of what their originals shared.
type Copier struct {
	seen map[ref]reflect.Value
}

type ref struct {
	t reflect.Type
	p uintptr
}

// New returns an empty copier.
func New() *Copier { return &Copier{seen: map[ref]reflect.Value{}} }

// Replace makes every pointer to from copy as to: both are pointers of one
// type.
func (c *Copier) Replace(from, to any) {
	f, t := reflect.ValueOf(from), reflect.ValueOf(to)
	if f.Kind() != reflect.Pointer || f.Type() != t.Type() {
		panic(fmt.Sprintf("deepcopy: Replace(%T, %T): want two pointers of one type", from, to))
	}
	c.seen[ref{f.Type(), f.Pointer()}] = t
}

// Copy returns a deep copy of v.
func Copy[T any](c *Copier, v T) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("deepcopy %T: %v", v, r)
		}
	}()
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.ValueOf(&out).Elem()
	c.into(dst, src)
	return out, nil
}

// into copies src into dst; dst is addressable and settable (unexported
// fields are made settable through their address).
func (c *Copier) into(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Bool:
		dst.SetBool(src.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		dst.SetInt(src.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		dst.SetUint(src.Uint())
	case reflect.Float32, reflect.Float64:
		dst.SetFloat(src.Float())
	case reflect.Complex64, reflect.Complex128:
		dst.SetComplex(src.Complex())
	case reflect.String:
		dst.SetString(src.String()) // immutable: shared
	case reflect.Array:
		for i := 0; i < src.Len(); i++ {
			c.into(dst.Index(i), src.Index(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Cap())
		if src.Type().Elem().Kind() == reflect.Uint8 {
			copy(s.Bytes(), src.Bytes()) // reflect.Copy refuses unexported fields
		} else {
			for i := 0; i < src.Len(); i++ {
				c.into(s.Index(i), src.Index(i))
			}
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		key := ref{src.Type(), src.Pointer()}
		if m, ok := c.seen[key]; ok {
			dst.Set(m)
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		c.seen[key] = m
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(src.Type().Key()).Elem()
			c.into(k, it.Key())
			e := reflect.New(src.Type().Elem()).Elem()
			c.into(e, it.Value())
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		key := ref{src.Type(), src.Pointer()}
		if p, ok := c.seen[key]; ok {
			dst.Set(p)
			return
		}
		p := reflect.New(src.Type().Elem())
		c.seen[key] = p
		c.into(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		c.into(e, src.Elem())
		dst.Set(e)
	case reflect.Struct:
		for i := 0; i < src.NumField(); i++ {
			f := dst.Field(i)
			if !f.CanSet() {
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			c.into(f, src.Field(i))
		}
	default: // func, chan, unsafe.Pointer: not plain data
		if !src.IsNil() {
			panic(fmt.Sprintf("cannot copy a %s (%s)", src.Kind(), src.Type()))
		}
	}
}
