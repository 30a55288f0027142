//! A small seeded generator (SplitMix64) for simulated data: deterministic for a seed, not for secrets.

/// SplitMix64: one `u64` of state, a fixed increment and an output mix.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for one named part of a simulation (a trade, a shop), independent of how many
    /// numbers other parts drew before it.
    pub fn derive(seed: u64, part: u64) -> Rng {
        let mut it = Rng(seed ^ part.wrapping_mul(0xd6e8_feb8_6659_fd93));
        it.next_u64();
        it
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    pub fn below(&mut self, n: u64) -> u64 {
        match n {
            0 => 0,
            n => self.next_u64() % n,
        }
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = high.saturating_sub(low).max(0) as u64 + 1;
        low + self.below(span) as i64
    }

    /// True with the given chance in percent.
    pub fn percent(&mut self, chance: u32) -> bool {
        self.below(100) < u64::from(chance)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use crate::rng::Rng;

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..5).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn ranges_hold_their_bounds() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let it = rng.between(-3, 3);
            assert!((-3..=3).contains(&it), "{it}");
            assert!(rng.below(10) < 10);
        }
        assert_eq!(rng.below(0), 0);
    }
}
