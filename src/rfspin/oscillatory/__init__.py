"""Computing with oscillator dynamics (issue 11).

- :mod:`~rfspin.oscillatory.reservoir`: time-multiplexed spin-torque-oscillator reservoir
  (Torrejon et al., Nature 547, 428 (2017)), one or K (optionally coupled) oscillators.
- :mod:`~rfspin.oscillatory.readout`: ridge readout, class = argmax of the frame-summed output.
- :mod:`~rfspin.oscillatory.esn`: software echo-state-network baseline.
- :mod:`~rfspin.oscillatory.frontends`: MFCC, log spectrogram, Lyon cochleagram.
- :mod:`~rfspin.oscillatory.vowels`: four coupled oscillators classify vowels by their
  synchronization to two RF drives (Romera et al., Nature 563, 230 (2018)).
"""
