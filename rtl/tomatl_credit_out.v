// tomatl_credit_out: the output side of an engine whose pipeline never
// stalls: an output FIFO and a credit counter of its slots.
//
// The engine tells whether its next step ends an output beat (`step_ends`);
// such a step may issue (`step_ok`) only while a slot is free, any other
// step always. Issuing it (`step`) reserves the slot; the beat arrives at
// s_axis_tvalid some fixed number of cycles later and is written without a
// handshake (its slot is reserved, so the FIFO always has room; there is no
// s_axis_tready). A slot is returned when a beat leaves at the output
// (m_axis_tvalid && m_axis_tready). `step_ok` depends on `step_ends` and
// registers only: an engine that gates its s_axis_tready with it has no
// combinational path from m_axis_tready to s_axis_tready.
//
// Depth: a slot is away for at least TRIP cycles (from its reservation
// through the engine's pipeline and the FIFO to the pop) and reservations
// come at most once every SPACING cycles, so ceil(TRIP / SPACING) slots keep
// the engine at full rate with the output always ready.
`default_nettype none

module tomatl_credit_out #(
    parameter WIDTH   = 8,  // bits per output beat (>= 1)
    parameter TRIP    = 4,  // cycles from a reservation to the earliest return of its slot (>= 1)
    parameter SPACING = 1   // fewest cycles between two reservations (>= 1)
) (
    input  wire             clk,
    input  wire             rst,
    // the next step ends an output beat (it needs a slot)
    input  wire             step_ends,
    // a step issues this cycle (only while step_ok)
    input  wire             step,
    // the next step may issue
    output wire             step_ok,
    // the beat of a reserved slot (never refused)
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
);

    // Output FIFO depth: the credits.
    localparam DEPTH = (TRIP + SPACING - 1) / SPACING;
    // Credit counter width (0..DEPTH).
    localparam CR_BITS = $clog2(DEPTH + 1);
    // Credits after reset.
    localparam [CR_BITS-1:0] CR_FULL = DEPTH[CR_BITS-1:0];

    generate
        if (WIDTH < 1) begin : g_illegal_width
            tomatl_illegal_parameter_WIDTH u_illegal ();
        end
        if (TRIP < 1 || SPACING < 1) begin : g_illegal_trip
            tomatl_illegal_parameter_TRIP_SPACING u_illegal ();
        end
    endgenerate

    reg  [CR_BITS-1:0] credit_reg;  // slots not yet reserved
    wire               take = step && step_ends;
    wire               give = m_axis_tvalid && m_axis_tready;

    assign step_ok = !step_ends || (credit_reg != {CR_BITS{1'b0}});

    always @(posedge clk) begin
        if (rst) begin
            credit_reg <= CR_FULL;
        end else if (take && !give) begin
            credit_reg <= credit_reg - 1'b1;
        end else if (give && !take) begin
            credit_reg <= credit_reg + 1'b1;
        end
    end

    // Never full when written: every write holds a credit.
    wire unused_ready;
    tomatl_fifo #(
        .WIDTH(WIDTH),
        .DEPTH(DEPTH)
    ) u_fifo (
        .clk          (clk),
        .rst          (rst),
        .s_axis_tdata (s_axis_tdata),
        .s_axis_tvalid(s_axis_tvalid),
        .s_axis_tready(unused_ready),
        .m_axis_tdata (m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
