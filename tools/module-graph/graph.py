#!/usr/bin/env python3
"""The module graph inside one crate, and its circles (issue 16: modules import each other as a tree).

Usage: tools/module-graph/graph.py crates/typeset/src/lib.rs [crates/motcua/src/main.rs ...]

An edge A -> B means module A names an item defined in module B, through `crate::`, `super::`,
`self::` or a child module's name, in a `use` or inline in code; the crate root's `pub use`
re-exports are followed to the module that defines the item. Comments, strings and inline
`#[cfg(test)]` modules are ignored. A module's `mod` declarations are not edges. Exits 1 when
some crate has a circle (a strongly connected component of more than one module).
"""
import os,re,sys

def graph(rootpath):
  root=os.path.dirname(rootpath); rootfile=os.path.basename(rootpath)[:-3]
  files={}
  files={}
  for dp,dn,fn in os.walk(root):
      for f in fn:
          if not f.endswith('.rs'): continue
          p=os.path.join(dp,f); rel=os.path.relpath(p,root)[:-3]
          parts=rel.split('/')
          if parts[-1]=='mod': parts=parts[:-1]
          if parts in (['lib'],['main']):
              if rootfile and parts[0]!=rootfile: continue
              parts=[]
          files['::'.join(parts)]=open(p).read()
  def strip(src):
      out=[];i=0;n=len(src)
      while i<n:
          c=src[i]
          if src.startswith('//',i):
              j=src.find('\n',i); i=n if j<0 else j; continue
          if src.startswith('/*',i):
              j=src.find('*/',i); i=n if j<0 else j+2; continue
          m=re.match(r'b?r(#*)"',src[i:])
          if m and (i==0 or not (src[i-1].isalnum() or src[i-1]=='_')):
              close='"'+m.group(1); j=src.find(close,i+len(m.group(0))); out.append('""'); i=j+len(close); continue
          if c=='"':
              j=i+1
              while src[j]!='"':
                  j+=2 if src[j]=='\\' else 1
              out.append('""'); i=j+1; continue
          if c=="'":
              m=re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^'\\])'",src[i:])
              if m: out.append("' '"); i+=len(m.group(0)); continue
          out.append(c); i+=1
      src=''.join(out)
      m=re.search(r'#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod\s+\w+\s*\{',src)
      if m: src=src[:m.start()]
      return src
  srcs={m:strip(s) for m,s in files.items()}
  def reach(m,acc):
      acc.add(m)
      for k in re.findall(r'\bmod\s+(\w+)\s*;',srcs[m]):
          n=(m+'::'+k) if m else k
          if n in srcs and n not in acc: reach(n,acc)
      return acc
  keep=reach('',set())
  srcs={m:s for m,s in srcs.items() if m in keep}
  mods=set(srcs)
  def children(m):
      pre=(m+'::') if m else ''
      return {x[len(pre):] for x in mods if x.startswith(pre) and x!=m and '::' not in x[len(pre):]}
  # re-exports per module: name -> full path segments
  def parse_tree(s,prefix,out):
      s=s.strip()
      if not s: return
      # split top-level by ::{ 
      depth=0
      i=s.find('{')
      if i<0:
          parts=s.split(' as ')
          segs=prefix+[x for x in parts[0].strip().split('::') if x]
          alias=parts[1].strip() if len(parts)>1 else segs[-1]
          out.append((segs,alias)); return
      head=s[:i].rstrip(':').strip()
      body=s[i+1:s.rfind('}')]
      segs=prefix+[x for x in head.split('::') if x]
      items=[];depth=0;cur=''
      for ch in body:
          if ch=='{':depth+=1
          if ch=='}':depth-=1
          if ch==',' and depth==0: items.append(cur);cur=''
          else: cur+=ch
      items.append(cur)
      for it in items:
          it=it.strip()
          if it=='self': out.append((segs,segs[-1]))
          elif it: parse_tree(it,segs,out)
  def absolute(cur,segs):
      base=cur.split('::') if cur else []
      if segs[0]=='crate': return segs[1:]
      if segs[0] in('super','self'):
          b=list(base); s=list(segs)
          while s and s[0] in('super','self'):
              if s[0]=='super': b=b[:-1]
              s=s[1:]
          return b+s
      if segs[0] in children(cur): return base+segs
      return None  # external
  uses={}
  reexp={}
  for m,src in srcs.items():
      lst=[]
      for mt in re.finditer(r'\b(pub(\([^)]*\))?\s+)?use\s+([^;]+);',src):
          out=[]; parse_tree(mt.group(3),[],out)
          for segs,alias in out:
              a=absolute(m,segs)
              if a is None: continue
              lst.append(a)
              if mt.group(1): reexp.setdefault(m,{})[alias]=a
      # inline paths
      body=re.sub(r'\buse\s+[^;]+;','',src)
      kids=children(m)
      for mt in re.finditer(r'(?<![\w:])((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::[A-Za-z_][A-Za-z0-9_]*)+)',body):
          segs=mt.group(1).split('::')
          a=absolute(m,segs)
          if a is None: continue
          lst.append(a)
      uses[m]=lst
  def owner(full,depth=0):
      # find module defining the item at path full
      for i in range(len(full),-1,-1):
          n='::'.join(full[:i])
          if n in mods:
              rest=full[i:]
              if rest and n in reexp and rest[0] in reexp[n] and depth<10:
                  tgt=reexp[n][rest[0]]
                  if tgt!=full[:i+1]:
                      return owner(tgt+rest[1:],depth+1)
              return n
      return ''
  edges={}
  for m,lst in uses.items():
      for a in lst:
          o=owner(a)
          if o==m: continue
          # a bare `pub use x::Y` in m is itself a use of x; an ancestor path 'crate' only means lib items
          edges.setdefault(m,set()).add(o)
  name=lambda x: x or '(root)'
  for m in sorted(edges): print(f'  {name(m)} -> '+', '.join(sorted(map(name,edges[m]))))
  g=edges;idx={};low={};st=[];on=set();sccs=[];c=[0]
  def sc(v):
      idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
      for w in g.get(v,()):
          if w not in idx: sc(w);low[v]=min(low[v],low[w])
          elif w in on: low[v]=min(low[v],idx[w])
      if low[v]==idx[v]:
          s=[]
          while True:
              w=st.pop();on.discard(w);s.append(w)
              if w==v:break
          if len(s)>1: sccs.append(sorted(map(name,s)))
  for v in sorted(mods):
      if v not in idx: sc(v)
  print('  circles:',sccs or 'none')
  return sccs


if __name__=='__main__':
    failed=False
    for path in sys.argv[1:]:
        print(path)
        failed|=bool(graph(path))
    sys.exit(1 if failed else 0)
