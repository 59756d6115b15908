using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
torch.set_num_threads(1);
torch.manual_seed(1);
double Time(Func<Tensor> f, bool bwd=true){ var best=1e9; for(int i=0;i<40;i++){ using var s=NewDisposeScope(); var sw=Stopwatch.StartNew(); var o=f(); if(bwd) o.sum().backward(); best=Math.Min(best, sw.Elapsed.TotalMilliseconds);} return best; }
foreach (var (n,c,kv,inter) in new[]{(2048,256,256,688),(1024,512,256,1280)})
{
  var x = randn(n,c).requires_grad_();
  var wq = randn(c,c)*0.02; var wk = randn(kv,c)*0.02; var wv = randn(kv,c)*0.02;
  var sep = Time(() => { var q=nn.functional.linear(x,wq); var k=nn.functional.linear(x,wk); var v=nn.functional.linear(x,wv); return q.sum()+k.sum()+v.sum();});
  var fused = Time(() => { var y=nn.functional.linear(x,torch.cat([wq,wk,wv],0)); var p=y.split([c,kv,kv],-1); return p[0].sum()+p[1].sum()+p[2].sum();});
  var wg = randn(inter,c)*0.02; var wu = randn(inter,c)*0.02;
  var sep2 = Time(() => (nn.functional.silu(nn.functional.linear(x,wg))*nn.functional.linear(x,wu)));
  var fused2 = Time(() => { var y=nn.functional.linear(x,torch.cat([wg,wu],0)).chunk(2,-1); return nn.functional.silu(y[0])*y[1];});
  Console.WriteLine($"n={n} c={c}: qkv sep {sep:F2} fused {fused:F2} | gate/up sep {sep2:F2} fused {fused2:F2}");
  // rope
  var xr = randn(16,8,128,32).requires_grad_();
  var rope = new Muscle.Modules.RotaryEmbedding(32, 10000, null);
  var (cos, sin) = rope.CosSin(0,128,CPU);
  var r1 = Time(() => Muscle.Modules.RotaryEmbedding.Apply(xr, cos, sin));
  var sinS = torch.cat([-sin.narrow(-1,0,16), sin.narrow(-1,16,16)], -1);
  var r2 = Time(() => xr*cos + xr.roll(16,-1)*sinS);
  var w = ones(c);
  var xn = randn(16,128,c).requires_grad_();
  var n1 = Time(() => { var h = xn.to_type(ScalarType.Float32); h = h * torch.rsqrt(h.pow(2).mean([-1L], keepdim:true)+1e-5); return w*h; });
  Console.WriteLine($"rope {r1:F2} roll {r2:F2} rmsnorm {n1:F2}");
}
