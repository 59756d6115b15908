// Prints HF tokenizers' ids (the Rust library, npm package `tokenizers` 0.23.2) for the same strings as
// sentencepiece_whitespace.py, from a tokenizer.json alone, e.g. the one `muscle convert llama2c` writes:
//   npm install tokenizers@0.23.2 && node hf_tokenizers_ids.js /path/to/converted/tokenizer.json
const { Tokenizer } = require('tokenizers');

const STRINGS = [
  ' 1234 + 5678 =   6913', '  leading', 'trailing   ', 'a  b   c', '   ', ' ', 'a', ' a ', '\n', ' \n ',
  '\tTab  here\t', 'line one\n  line two  \n', '\n\n  x', 'x \n y', 'end  \u3000 x', 'mixed \t  \t tabs',
];

(async () => {
  const tokenizer = Tokenizer.fromFile(process.argv[2]);
  for (const s of STRINGS) {
    const encoding = await tokenizer.encode(s, null, { addSpecialTokens: false });
    console.log(JSON.stringify(s), JSON.stringify(encoding.getIds()));
  }
})();
