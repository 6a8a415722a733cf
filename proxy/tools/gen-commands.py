import socket,sys
def conn(port):
    s=socket.create_connection(("127.0.0.1",port)); return s.makefile('rb'), s
def parse(f):
    line=f.readline()[:-2]; t=line[:1]; r=line[1:]
    if t==b'*':
        n=int(r); return None if n<0 else [parse(f) for _ in range(n)]
    if t==b'$':
        n=int(r)
        if n<0: return None
        d=f.read(n+2)[:-2]; return d.decode()
    if t==b':': return int(r)
    if t in b'+-': return r.decode()
    raise Exception(line)
out={}
for port in (7999,7998):
    f,s=conn(port); s.sendall(b"*1\r\n$7\r\nCOMMAND\r\n")
    for c in parse(f):
        def add(c):
            name,arity,flags,first,last,step=c[0],c[1],c[2],c[3],c[4],c[5]
            mov='movablekeys' in flags
            out.setdefault(name.lower(),(arity,first,last,step,int(mov)))
        add(c)
        if len(c)>9 and c[9]:
            for sc in c[9]: add(sc)
print("# name arity first-key last-key step movable-keys; from COMMAND on Redis 7.0.15 and Valkey 8.0.1 (gencmds)")
for k in sorted(out): print(k, *out[k])
