package exprcalc

import (
	"container/list"
	"fmt"
	"math"
	"sort"
)

var builtins = map[string]func(...float64) float64{
	"sqrt": func(a ...float64) float64 { return math.Sqrt(a[0]) },
	"max": func(a ...float64) float64 {
		sort.Float64s(a)
		return a[len(a)-1]
	},
	"min": func(a ...float64) float64 { sort.Float64s(a); return a[0] },
}

var operators = map[string]func(l, r float64) float64{
	"+": func(l, r float64) float64 { return l + r },
	"-": func(l, r float64) float64 { return l - r },
	"*": func(l, r float64) float64 { return l * r },
	"/": func(l, r float64) float64 { return l / r },
	"%": math.Mod,
	"^": math.Pow,
}

// Eval computes n with the variables of env.
func Eval(n Node, env map[string]float64) (float64, error) {
	switch n := n.(type) {
	case Num:
		return float64(n), nil
	case Var:
		v, ok := env[string(n)]
		if !ok {
			return 0, fmt.Errorf("undefined variable %s", n)
		}
		return v, nil
	case Call:
		fn, ok := builtins[n.Name]
		if !ok {
			return 0, fmt.Errorf("unknown function %s", n.Name)
		}
		args := Map(n.Args, func(a Node) float64 { v, _ := Eval(a, env); return v })
		return fn(args...), nil
	case Binary:
		l, err := Eval(n.Left, env)
		if err != nil {
			return 0, err
		}
		r, err := Eval(n.Right, env)
		if err != nil {
			return 0, err
		}
		return operators[n.Op](l, r), nil
	}
	return 0, fmt.Errorf("unknown node %T", n)
}

// Map applies f to every element of xs.
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// Cache keeps the most recently parsed expressions.
type Cache struct {
	size  int
	order *list.List
	items map[string]*list.Element
}

type entry struct {
	src  string
	tree Node
}

func NewCache(size int) *Cache {
	return &Cache{size: size, order: list.New(), items: map[string]*list.Element{}}
}

func (c *Cache) Get(src string) (Node, error) {
	if el, ok := c.items[src]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry).tree, nil
	}
	tree, err := Parse(src)
	if err != nil {
		return nil, err
	}
	c.items[src] = c.order.PushFront(&entry{src, tree})
	if c.order.Len() > c.size {
		oldest := c.order.Remove(c.order.Back()).(*entry)
		delete(c.items, oldest.src)
	}
	return tree, nil
}
