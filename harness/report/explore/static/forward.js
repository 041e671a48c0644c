/* The forward pass of a Model Builder layer list, in the page.
 *
 * Weights come in the canonical layout of harness/adapters/base.py: conv kernel
 * (kh, kw, in, out) then bias (out); dense kernel (in, out) then bias (out); batchnorm
 * gamma, beta, moving mean, moving variance per channel. Activations are kept in
 * (height, width, channels) order, so flatten is the identity on the data, as in the
 * harness's flatten (channels last). Sums run in float64 from float32 weights.
 */
"use strict";

const ExploreForward = (function () {
  const BATCHNORM_EPSILON = 1e-5; // the shared vocabulary's epsilon in every framework

  function bytesOf(base64) {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function floatsOf(base64) {
    const bytes = bytesOf(base64);
    const view = new DataView(bytes.buffer);
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }

  function tensor(shape) {
    return { shape: shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) };
  }

  function outSize(size, field, stride, pad) {
    return Math.floor((size + 2 * pad - field) / stride) + 1;
  }

  function conv(x, layer, p) {
    const [h, w, cin] = x.shape, f = layer.field_size, s = layer.stride, pad = layer.zero_pad;
    const cout = layer.filters, out = tensor([outSize(h, f, s, pad), outSize(w, f, s, pad), cout]);
    const [oh, ow] = out.shape, k = p.kernel, xd = x.data, od = out.data;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = (oy * ow + ox) * cout;
        for (let co = 0; co < cout; co++) od[o + co] = p.bias[co];
        for (let ky = 0; ky < f; ky++) {
          const iy = oy * s + ky - pad;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < f; kx++) {
            const ix = ox * s + kx - pad;
            if (ix < 0 || ix >= w) continue;
            const xi = (iy * w + ix) * cin, ki = (ky * f + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const v = xd[xi + ci];
              if (v === 0) continue;
              const row = ki + ci * cout;
              for (let co = 0; co < cout; co++) od[o + co] += v * k[row + co];
            }
          }
        }
      }
    }
    return out;
  }

  function pool(reduce) {
    return function (x, layer) {
      const [h, w, c] = x.shape, f = layer.field_size, s = layer.stride;
      const out = tensor([outSize(h, f, s, 0), outSize(w, f, s, 0), c]);
      const [oh, ow] = out.shape;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let ch = 0; ch < c; ch++) {
            const window = [];
            for (let ky = 0; ky < f; ky++) {
              for (let kx = 0; kx < f; kx++) {
                window.push(x.data[((oy * s + ky) * w + ox * s + kx) * c + ch]);
              }
            }
            out.data[(oy * ow + ox) * c + ch] = reduce(window);
          }
        }
      }
      return out;
    };
  }

  function elementwise(fn) {
    return function (x) {
      const out = { shape: x.shape.slice(), data: new Float64Array(x.data.length) };
      for (let i = 0; i < x.data.length; i++) out.data[i] = fn(x.data[i]);
      return out;
    };
  }

  function batchnorm(x, layer, p) {
    const c = x.shape[x.shape.length - 1], out = tensor(x.shape.slice());
    for (let i = 0; i < x.data.length; i++) {
      const ch = i % c;
      const scale = p.gamma[ch] / Math.sqrt(p.moving_variance[ch] + BATCHNORM_EPSILON);
      out.data[i] = (x.data[i] - p.moving_mean[ch]) * scale + p.beta[ch];
    }
    return out;
  }

  function dense(x, layer, p) {
    const n = x.data.length, units = layer.units, out = tensor([units]);
    for (let o = 0; o < units; o++) out.data[o] = p.bias[o];
    for (let i = 0; i < n; i++) {
      const v = x.data[i];
      if (v === 0) continue;
      for (let o = 0; o < units; o++) out.data[o] += v * p.kernel[i * units + o];
    }
    return out;
  }

  const LAYERS = {
    conv: conv,
    maxpool: pool((values) => Math.max.apply(null, values)),
    avgpool: pool((values) => values.reduce((a, b) => a + b, 0) / values.length),
    relu: elementwise((v) => (v > 0 ? v : 0)),
    sigmoid: elementwise((v) => 1 / (1 + Math.exp(-v))),
    tanh: elementwise(Math.tanh),
    dropout: (x) => x, // inference: dropout is off
    batchnorm: batchnorm,
    flatten: (x) => ({ shape: [x.data.length], data: x.data }),
    dense: dense,
  };

  /* Decode every layer's parameters once: {kernel, bias, ...} as Float32Arrays. */
  function prepare(network) {
    return network.layers.map((layer) => {
      const params = {};
      for (const name in layer.params || {}) params[name] = floatsOf(layer.params[name]);
      return { layer: layer, params: params };
    });
  }

  /* uint8 pixels (height, width, channels) -> the input tensor, scaled to [0, 1]. */
  function input(pixels, shape) {
    const x = tensor(shape.slice());
    for (let i = 0; i < x.data.length; i++) x.data[i] = pixels[i] / 255;
    return x;
  }

  /* Every layer's output, in order; the last one holds the logits. */
  function run(prepared, x) {
    const outputs = [];
    for (const step of prepared) {
      x = LAYERS[step.layer.layer](x, step.layer, step.params);
      outputs.push(x);
    }
    return outputs;
  }

  function softmax(logits) {
    const top = Math.max.apply(null, Array.from(logits));
    const exps = Array.from(logits, (v) => Math.exp(v - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((v) => v / total);
  }

  return { bytesOf: bytesOf, floatsOf: floatsOf, prepare: prepare, input: input, run: run,
           softmax: softmax, kinds: Object.keys(LAYERS) };
})();
